import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyImportCallback } from '../../packages/client/src/index.js';
import { STATUS_DOCUMENT_MAX_BYTES } from '../../src/shared/status/bounded-document.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { recordFigures } from '../helpers/figures.js';
import { startWorkers } from '../helpers/processes.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, importRequest, NEXT_KEY, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// The worker is a process of its own; its status writes reach the Upstash stand-in and its
// callback the app's endpoint through the QStash stand-in, each measured as it arrives.
const QSTASH_TOKEN = 'qstash_status_size_token';
const KIB_64 = 64 * 1024;

let qstash: QstashTestServer;
let app: CaptureServer;
let service: TestService;

beforeAll(async () => {
  qstash = await startQstashServer({ token: QSTASH_TOKEN, signingKey: CURRENT_KEY });
  app = await startCaptureServer();
  service = await startService({
    inProcessWorker: false,
    env: { QSTASH_TOKEN, QSTASH_URL: qstash.url, CALLBACK_URL_PREFIXES: `${app.url}/callbacks/` },
    workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' },
  });
  await startWorkers(() => service.spawnWorker(), 1);
});
afterAll(async () => {
  await service?.stop();
  await qstash?.stop();
  await app?.stop();
});

describe('the size of status documents and callbacks', () => {
  it('keeps every status write and the callback under 64 KiB for a valid 10 MiB file of eleven 950,000-character rows', async () => {
    const jobId = uniqueJobId('huge-rows');
    const key = `uploads/${jobId}.csv`;
    const path = `/callbacks/${jobId}`;
    const text = (i: number) => String.fromCharCode(97 + i).repeat(950_000);
    const csv = `id,text\n${Array.from({ length: 11 }, (_, i) => `${i},${text(i)}\n`).join('')}`;
    await service.s3.storage.put(key, csv);
    const before = service.upstash.requestBytes();
    expect((await service.deliver(importRequest(jobId, key, { callbackUrl: `${app.url}${path}` }))).status).toBe(202);

    const status = await service.waitForState(jobId, ['succeeded', 'failed', 'cancelled'], 60_000);
    await expect.poll(() => app.requests().filter((r) => r.path === path).length, { timeout: 15_000, interval: 50 }).toBe(1);
    const [callback] = app.requests().filter((r) => r.path === path);
    const after = service.upstash.requestBytes();
    const figures = {
      fileBytes: Buffer.byteLength(csv),
      largestStatusWriteBytes: after.largest,
      statusWritesBytes: after.total - before.total,
      callbackBodyBytes: Buffer.byteLength(callback!.body),
      statusDocumentBytes: Buffer.byteLength(JSON.stringify(status)),
    };
    recordFigures('status-size', 'status and callback of a 10 MiB file of huge rows', figures);

    expect(status).toMatchObject({ state: 'succeeded', result: { rows: 11 } });
    expect(figures.largestStatusWriteBytes).toBeLessThan(KIB_64);
    expect(figures.callbackBodyBytes).toBeLessThan(KIB_64);
    expect(figures.statusDocumentBytes).toBeLessThanOrEqual(STATUS_DOCUMENT_MAX_BYTES);
    // Cut cells say so; the rows themselves are stored whole.
    expect(status.preview?.sampleRows).toHaveLength(10);
    expect(status.preview?.sampleRows[3]).toEqual({ id: '3', text: `${'d'.repeat(200)}… (949,800 more characters)` });
    const doc = await verifyImportCallback(
      { signature: callback!.headers['upstash-signature'], body: callback!.body, url: `${app.url}${path}` },
      { currentSigningKey: CURRENT_KEY, nextSigningKey: NEXT_KEY },
    );
    expect(doc).toEqual(status);
    const { rows } = await service.db.pool.query(
      "select min(length(r.data->>'text'))::int as shortest from list_rows r join lists l on l.id = r.list_id where l.job_id = $1",
      [jobId],
    );
    expect(rows[0].shortest).toBe(950_000);
  });
});
