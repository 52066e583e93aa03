import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyImportCallback } from '../../packages/client/src/index.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { importClientFor, startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { startExampleApp, type ExampleApp } from '../helpers/example-app.js';
import { uniqueJobId } from '../helpers/service.js';

const APP_ENV_NAMES = [
  'CSV_IMPORT_WORKER_URL', 'DATABASE_URL', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY',
  'QSTASH_URL', 'QSTASH_TOKEN', 'QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY',
  'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN',
];

let dev: DevStack;
let app: CaptureServer;
beforeAll(async () => {
  app = await startCaptureServer();
  const started = Date.now();
  dev = await startDevStack();
  // The bar is 60 s on a fresh clone; startDevStack gives up after that.
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);
afterAll(async () => {
  await dev?.stop();
  await app?.stop();
});

describe('npm run dev', () => {
  it('prints a ready line naming the service URL and writes every setting an app needs to its app.env', () => {
    expect(dev.ready).toMatch(/^ready: csv-import-worker on http:\/\/127\.0\.0\.1:\d+/);
    for (const name of APP_ENV_NAMES) expect(dev.appEnv[name], name).toMatch(/\S/);
    expect(dev.ready).toContain(dev.appEnv.CSV_IMPORT_WORKER_URL);
  });

  it('runs a whole import for an app using the real clients: S3 upload, QStash publish, status, signed callback to localhost, rows', async () => {
    const env = dev.appEnv;
    const s3 = new S3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! },
    });
    const key = `uploads/${uniqueJobId('dev')}.csv`;
    await s3.send(new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: key, Body: 'Email,Name\nann@example.com,Ann\nbob@example.com,Bob\n' }));
    s3.destroy();

    const client = importClientFor(env);
    const jobId = uniqueJobId('dev');
    // localhost, not 127.0.0.1: npm run dev allows callbacks to either, on any port.
    const callbackUrl = `${app.url.replace('127.0.0.1', 'localhost')}/webhooks/csv-import`;
    await client.requestImport({ jobId, source: { key }, list: { name: 'Dev contacts' }, callbackUrl });
    const final = await client.waitForImport(jobId, { timeoutMs: 30_000 });
    expect(final).toMatchObject({ state: 'succeeded', result: { rows: 2 } });

    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query('select data from list_rows where list_id = $1 order by row_number', [final.result!.listId]);
      expect(rows.map((r) => r.data)).toEqual([{ email: 'ann@example.com', name: 'Ann' }, { email: 'bob@example.com', name: 'Bob' }]);
    } finally {
      await db.end();
    }

    await expect.poll(() => app.requests().length, { timeout: 15_000 }).toBe(1);
    const [callback] = app.requests();
    const verified = await verifyImportCallback(
      { signature: callback!.headers['upstash-signature'], body: callback!.body, url: callbackUrl },
      { currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY!, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY! },
    );
    expect(verified).toEqual(final);
  });

  describe('the example app (examples/app) against it', () => {
    let example: ExampleApp;
    beforeAll(async () => {
      example = await startExampleApp(dev.appEnvFile);
    });
    afterAll(() => example?.stop());

    it('uploads a file, requests its import, shows progress, takes the signed callback, pages the rows, and says a late cancel was too late', async () => {
      const csv = 'Email,Name\n' + [1, 2, 3, 4, 5].map((n) => `user${n}@example.com,User ${n}`).join('\n') + '\n';
      const upload = await fetch(`${example.url}/imports?fileName=${encodeURIComponent('Kunden März.csv')}&name=Customers`, { method: 'POST', body: csv });
      expect(upload.status).toBe(202);
      const { jobId } = (await upload.json()) as { jobId: string };

      let progress: { state?: string; callbackReceived?: boolean; result?: { rows: number } } = {};
      await expect
        .poll(async () => (progress = await (await fetch(`${example.url}/imports/${jobId}`)).json()), { timeout: 30_000, interval: 250 })
        .toMatchObject({ state: 'succeeded', callbackReceived: true });
      expect(progress.result?.rows).toBe(5);

      const first = await (await fetch(`${example.url}/imports/${jobId}/rows?limit=2`)).json();
      expect(first).toMatchObject({ list: { name: 'Customers', fileName: 'Kunden März.csv', rowCount: 5 }, nextAfterRow: 2 });
      expect(first.rows).toEqual([
        { rowNumber: 1, data: { email: 'user1@example.com', name: 'User 1' } },
        { rowNumber: 2, data: { email: 'user2@example.com', name: 'User 2' } },
      ]);
      const last = await (await fetch(`${example.url}/imports/${jobId}/rows?afterRow=4&limit=2`)).json();
      expect(last).toMatchObject({ rows: [{ rowNumber: 5 }], nextAfterRow: null });

      const cancel = await fetch(`${example.url}/imports/${jobId}/cancel`, { method: 'POST' });
      expect(await cancel.json()).toEqual({ outcome: 'finished', state: 'succeeded' });
    });

    it('refuses a callback whose signature does not verify', async () => {
      const forged = await fetch(`${example.url}/webhooks/csv-import`, {
        method: 'POST',
        headers: { 'upstash-signature': 'not.a.jwt' },
        body: JSON.stringify({ jobId: 'imp_forged', state: 'succeeded' }),
      });
      expect(forged.status).toBe(401);
    });
  });

  it('stops every process it started within 10 s of a SIGTERM to its process group', async () => {
    const took = await dev.stop();
    expect(took, `still running:\n${dev.leftovers()}\nnpm run dev printed:\n${dev.output().slice(-3000)}`).toBeLessThan(10_000);
  });
});
