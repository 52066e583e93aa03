import { Writable } from 'node:stream';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../src/shared/config.js';
import { ImportRequest } from '../../src/shared/contract.js';
import { JOB, QUEUE, importJobOptions } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { createLogger } from '../../src/shared/logger.js';
import { createWorkerMetrics } from '../../src/worker/metrics.js';
import { startMetricsServer } from '../../src/worker/metrics-server.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/worker/runtime.js';
import { parsePrometheusText, type Scrape } from '../helpers/prometheus-text.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const TOKEN = 'metrics-token-for-the-worker-test';
const QSTASH_TOKEN = 'qstash-token-for-the-worker-metrics-test';
const APP = 'https://app.example.test/hooks/';
let service: TestService;
let qstash: QstashTestServer;
let worker: WorkerRuntime;
let metricsUrl: string;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  service = await startService({ inProcessWorker: false, apiEnv: { CALLBACK_URL_PREFIXES: APP } });
  // Delivery to the app's (unreachable) host is not what these tests look at: publishes are.
  qstash = await startQstashServer({ token: QSTASH_TOKEN, signingKey: CURRENT_KEY, retries: 0, deliveryTimeoutMs: 200 });
  // The real worker runtime, its log lines kept for the `import finished` assertions.
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // Short locks and stall checks, so a stalled job is found within seconds.
  const config = loadWorkerConfig({
    ...service.env, METRICS_PORT: '0', METRICS_TOKEN: TOKEN, PROGRESS_REPORT_INTERVAL: '100',
    LOCK_DURATION_MS: '1000', STALLED_INTERVAL_MS: '1000',
    QSTASH_TOKEN, QSTASH_URL: qstash.url, CALLBACK_URL_PREFIXES: APP,
  });
  worker = await startWorkerRuntime(config, createLogger({ LOG_LEVEL: 'info' }, 'worker', capture));
  metricsUrl = `http://127.0.0.1:${worker.metricsServer!.port}/metrics`;
});
afterAll(async () => {
  await worker?.stop(1_000);
  await service?.stop();
  await qstash?.stop();
});

async function scrape(): Promise<Scrape> {
  const res = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

async function importFile(label: string, csv: string, extra: Parameters<typeof importRequest>[2] = {}) {
  const jobId = uniqueJobId(label);
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, csv);
  expect((await service.deliver(importRequest(jobId, key, extra))).status).toBe(202);
  const status = await service.waitForState(jobId, ['succeeded', 'failed']);
  return { jobId, status };
}

const finishedLine = async (jobId: string) => {
  // The line is written after the final status; give the processor its last step.
  for (let i = 0; i < 100 && !logLines.some((l) => l.msg === 'import finished' && l.jobId === jobId); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return logLines.filter((l) => l.msg === 'import finished' && l.jobId === jobId);
};

const rowsCsv = (n: number) => `id,name\n${Array.from({ length: n }, (_, i) => `${i + 1},name ${i + 1}`).join('\n')}\n`;
const BAD_JSON = 'id,payload\n1,"{""ok"":true}"\n2,{not json}\n';

describe('a worker /metrics', () => {
  it('answers 401 without the bearer token, and 404 off /metrics', async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('csv_import');
    expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN.toUpperCase()}` } })).status).toBe(401);
    expect((await fetch(metricsUrl.replace('/metrics', '/'), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it('serves process metrics and the import metrics before any import', async () => {
    const s = await scrape();
    expect(s.types.get('csv_import_imports_total')).toBe('counter');
    expect(s.types.get('csv_import_import_duration_seconds')).toBe('histogram');
    expect(s.value('csv_import_rows_total')).toBe(0);
    expect(s.value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts a real import: outcome succeeded, its rows, its bytes and its duration', async () => {
    const before = await scrape();
    const csv = rowsCsv(1_500);
    const { status } = await importFile('counted', csv);
    expect(status.state).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 100));
    const after = await scrape();
    const moved = (name: string, labels?: Record<string, string>) => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
    expect(moved('csv_import_imports_total', { outcome: 'succeeded', code: 'none' })).toBe(1);
    expect(moved('csv_import_rows_total')).toBe(1_500);
    expect(moved('csv_import_bytes_total')).toBe(Buffer.byteLength(csv));
    expect(moved('csv_import_import_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    expect(moved('csv_import_import_duration_seconds_sum', { outcome: 'succeeded' })).toBeGreaterThan(0);
    expect(moved('csv_import_import_duration_seconds_bucket', { outcome: 'succeeded', le: '+Inf' })).toBe(1);
  });

  it('counts a failed import by its code, and no rows for it', async () => {
    const before = await scrape();
    const { status } = await importFile('bad-json', BAD_JSON, { columns: [{ name: 'payload', type: 'json' }] });
    expect(status.state).toBe('failed');
    await new Promise((r) => setTimeout(r, 100));
    const after = await scrape();
    expect(after.value('csv_import_imports_total', { outcome: 'failed', code: 'JSON_PARSE_ERROR' })).toBe(
      (before.value('csv_import_imports_total', { outcome: 'failed', code: 'JSON_PARSE_ERROR' }) ?? 0) + 1,
    );
    expect(after.value('csv_import_rows_total')).toBe(before.value('csv_import_rows_total'));
  });

  it('counts a dry run as succeeded, with none of its rows: it commits none', async () => {
    const before = await scrape();
    const { status } = await importFile('dry-run', rowsCsv(40), { dryRun: true });
    expect(status).toMatchObject({ state: 'succeeded', result: { dryRun: true, rows: 40 } });
    await new Promise((r) => setTimeout(r, 100));
    const after = await scrape();
    expect(after.value('csv_import_imports_total', { outcome: 'succeeded', code: 'none' })).toBe(
      (before.value('csv_import_imports_total', { outcome: 'succeeded', code: 'none' }) ?? 0) + 1,
    );
    expect(after.value('csv_import_rows_total')).toBe(before.value('csv_import_rows_total'));
  });

  it('counts completion callbacks: delivered for an import with a callbackUrl, skipped for one without', async () => {
    const before = await scrape();
    const withUrl = await importFile('callback', rowsCsv(3), { callbackUrl: `${APP}callback` });
    const withoutUrl = await importFile('no-callback', rowsCsv(3));
    expect([withUrl.status.state, withoutUrl.status.state]).toEqual(['succeeded', 'succeeded']);
    const moved = async (outcome: string) =>
      ((await scrape()).value('csv_import_callback_publishes_total', { outcome }) ?? 0) - (before.value('csv_import_callback_publishes_total', { outcome }) ?? 0);
    // The final status is written before its callback is published.
    await expect.poll(() => moved('delivered')).toBe(1);
    await expect.poll(() => moved('skipped')).toBe(1);
    expect([await moved('failed'), await moved('refused')]).toEqual([0, 0]);
    expect(qstash.publishes().filter((p) => p.headers['upstash-deduplication-id'] === `callback:${withUrl.jobId}:1:succeeded`).map((p) => p.status)).toEqual([201]);
  });

  it('counts a job found stalled: taken by a worker that then went silent', async () => {
    const before = (await scrape()).value('csv_import_stalled_jobs_total')!;
    const bull = openImportQueue(service);
    // A worker that takes the job with a lock and never renews it: a process frozen or killed mid-import.
    const connection = createRedis(service.env.REDIS_URL!, 'worker');
    const silent = new Worker(QUEUE.importCsv, null, { connection, prefix: service.env.QUEUE_PREFIX, lockDuration: 1_000, autorun: false });
    try {
      await worker.importWorker.worker.pause(true);
      let jobId = '';
      for (let tries = 1; ; tries++) {
        jobId = uniqueJobId('stalled');
        const key = `uploads/${jobId}.csv`;
        await service.s3.storage.put(key, rowsCsv(3));
        await bull.queue.add(JOB.importCsv, { request: ImportRequest.parse(importRequest(jobId, key)), deliveryId: 'd', queuedAt: new Date().toISOString() }, { ...importJobOptions(3, 100), jobId });
        if ((await silent.getNextJob('silent-token'))?.id === jobId) break;
        // A fetch the paused worker had already sent took it: let that run end, then again.
        await service.waitForState(jobId, ['succeeded', 'failed'], 20_000);
        if (tries === 3) throw new Error('the paused worker kept taking the job');
      }
      worker.importWorker.worker.resume();
      const status = await service.waitForState(jobId, ['succeeded', 'failed'], 20_000);
      expect(status.state).toBe('succeeded');
      expect((await scrape()).value('csv_import_stalled_jobs_total')).toBe(before + 1);
    } finally {
      worker.importWorker.worker.resume();
      await silent.close(true);
      connection.disconnect();
      await bull.close();
    }
  });

  it('is served without a token when METRICS_TOKEN is not set', async () => {
    const server = await startMetricsServer(createWorkerMetrics(), { port: 0, log: createLogger({ LOG_LEVEL: 'silent' }, 'worker') });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(parsePrometheusText(await res.text()).value('csv_import_rows_total')).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('the import finished log line', () => {
  it('is written once per import with jobId, outcome, code, rows, bytes, durationMs and rowsPerSecond', async () => {
    const csv = rowsCsv(2_000);
    const { jobId } = await importFile('logged', csv);
    const lines = await finishedLine(jobId);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({ level: 30, service: 'worker', jobId, outcome: 'succeeded', code: 'none', rows: 2_000, bytes: Buffer.byteLength(csv) });
    expect(line.durationMs).toBeGreaterThan(0);
    expect(line.rowsPerSecond).toBe(Math.round((2_000 * 1000) / (line.durationMs as number)));
  });

  it('names the code and how far a failed import read', async () => {
    const { jobId } = await importFile('logged-bad', BAD_JSON, { columns: [{ name: 'payload', type: 'json' }] });
    const lines = await finishedLine(jobId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ jobId, outcome: 'failed', code: 'JSON_PARSE_ERROR', bytes: Buffer.byteLength(BAD_JSON) });
    expect(typeof lines[0]!.rows).toBe('number');
    expect(typeof lines[0]!.rowsPerSecond).toBe('number');
  });
});
