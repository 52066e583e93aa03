import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler } from 'express';
import {
  createImportClient, InvalidImportCallbackError, InvalidImportRequestError, type StatusDocument,
} from '@csv-import-worker/client';
import { createListReader } from '@csv-import-worker/client/lists';
import type { AppConfig } from './config.js';
import { createUploads } from './uploads.js';

/** The five things an app does with the service, one route each. */
export function buildApp(config: AppConfig) {
  const imports = createImportClient({
    qstashToken: config.qstash.token,
    qstashUrl: config.qstash.url,
    workerUrl: config.workerUrl,
    upstash: config.upstash,
    statusKeyPrefix: config.statusKeyPrefix,
  });
  const lists = createListReader({ connectionString: config.databaseUrl });
  const uploads = createUploads(config.s3);
  // QStash signs the callback for the URL it was sent to: the one given in requestImport.
  const callbackUrl = `${config.publicUrl ?? `http://localhost:${config.port}`}/webhooks/csv-import`;
  // What completion callbacks delivered, by jobId. A real app would update its own database here.
  const finished = new Map<string, StatusDocument>();
  const app = express();

  // 1. The user's file: into the bucket under a key of ours, then the import is requested.
  app.post('/imports', express.raw({ type: () => true, limit: '200mb' }), async (req, res) => {
    const fileName = typeof req.query.fileName === 'string' ? req.query.fileName : 'upload.csv';
    const name = typeof req.query.name === 'string' ? req.query.name : fileName;
    const jobId = `imp_${randomUUID()}`;
    const key = `uploads/${jobId}`;
    await uploads.put(key, req.body as Buffer);
    await imports.requestImport({ jobId, source: { key, fileName }, list: { name }, callbackUrl });
    res.status(202).json({ jobId });
  });

  // 2. Progress for the page to poll: the status document the service keeps up to date.
  app.get('/imports/:jobId', async (req, res) => {
    const status = await imports.getImportStatus(req.params.jobId);
    if (!status) return void res.status(404).json({ error: 'no such import, or not delivered to the service yet' });
    const { state, progress, preview, result, error } = status;
    res.json({ state, progress, preview, result, error, callbackReceived: finished.has(status.jobId) });
  });

  // 3. The completion callback, from QStash: verified over the raw body before anything is believed.
  app.post('/webhooks/csv-import', express.text({ type: () => true }), async (req, res) => {
    try {
      const status = await imports.verifyImportCallback(
        { signature: req.header('upstash-signature'), body: req.body as string, url: callbackUrl },
        { currentSigningKey: config.qstash.currentSigningKey, nextSigningKey: config.qstash.nextSigningKey },
      );
      finished.set(status.jobId, status);
      res.sendStatus(200);
    } catch (err) {
      if (!(err instanceof InvalidImportCallbackError)) throw err;
      res.status(401).json({ error: err.message });
    }
  });

  // 4. A page of the list's rows, in file order; `nextAfterRow` asks for the next page.
  app.get('/imports/:jobId/rows', async (req, res) => {
    const list = await lists.getListByJobId(req.params.jobId);
    if (!list) return void res.status(404).json({ error: 'this import wrote no list (not finished, failed, or a dry run)' });
    const page = await lists.listRows(list.id, {
      afterRow: req.query.afterRow === undefined ? undefined : Number(req.query.afterRow),
      limit: req.query.limit === undefined ? undefined : Number(req.query.limit),
    });
    res.json({ list: { id: list.id, name: list.name, fileName: list.fileName, rowCount: list.rowCount, columns: list.columns }, ...page });
  });

  // 5. Cancel: resolves once the service says what happened (cancelled, finished, unknown).
  app.post('/imports/:jobId/cancel', async (req, res) => {
    const { outcome, status } = await imports.cancelImport(req.params.jobId, { timeoutMs: 10_000 });
    res.json({ outcome, state: status?.state ?? null });
  });

  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof InvalidImportRequestError) return void res.status(400).json({ error: err.message });
    // A page past the limits is the caller's mistake too (the reader throws a RangeError).
    if (err instanceof RangeError) return void res.status(400).json({ error: err.message });
    res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
  };
  app.use(errors);

  return { app, close: async () => (uploads.close(), lists.close()) };
}
