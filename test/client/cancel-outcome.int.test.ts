import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportClient, type ImportClient } from '../../packages/client/src/index.js';
import { parsePrometheusText } from '../helpers/prometheus-text.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

/** What `cancelImport` resolves with (DESIGN §13), through QStash to the real api and worker. */

const PUBLIC_URL = 'https://imports.example.test';
const QSTASH_TOKEN = 'qstash_cancel_outcome_token';
const METRICS_TOKEN = 'metrics-token-for-the-cancel-test';

interface Stack {
  service: TestService;
  qstash: QstashTestServer;
  client: ImportClient;
}

async function startStack(inProcessWorker: boolean): Promise<Stack> {
  const service = await startService({ inProcessWorker, apiEnv: { PUBLIC_URL, METRICS_TOKEN } });
  const qstash = await startQstashServer({ token: QSTASH_TOKEN, signingKey: CURRENT_KEY, route: (d) => d.replace(PUBLIC_URL, service.baseUrl) });
  const client = createImportClient({
    qstashToken: QSTASH_TOKEN, qstashUrl: qstash.url, workerUrl: PUBLIC_URL, upstash: { url: service.upstash.url, token: service.upstash.token },
  });
  return { service, qstash, client };
}
const stopStack = async (stack: Stack | undefined) => {
  await stack?.qstash.stop();
  await stack?.service.stop();
};

async function cancelRequests(stack: Stack, outcome: string): Promise<number> {
  const res = await fetch(`${stack.service.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  return parsePrometheusText(await res.text()).value('csv_import_cancel_requests_total', { outcome }) ?? 0;
}

const QUICK = { timeoutMs: 5_000, pollIntervalMs: 50 };

describe('cancelImport without a worker to run the job', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(false);
  });
  afterAll(() => stopStack(stack));

  it('resolves "cancelled" with the cancelled document for a job still queued, counted as cancelled', async () => {
    const jobId = uniqueJobId('queued');
    await stack.client.requestImport(importRequest(jobId, `uploads/${jobId}.csv`));
    await stack.service.waitForState(jobId, ['queued']);

    const result = await stack.client.cancelImport(jobId, QUICK);

    expect(result).toMatchObject({ jobId, outcome: 'cancelled', status: { jobId, state: 'cancelled', error: { code: 'CANCELLED' } } });
    expect(await cancelRequests(stack, 'cancelled')).toBe(1);
  });

  it('resolves "unknown" with no document for a job nobody requested, once the timeout has passed', async () => {
    const jobId = uniqueJobId('nobody');
    const started = performance.now();

    const result = await stack.client.cancelImport(jobId, { timeoutMs: 1_500, pollIntervalMs: 50 });

    expect(result).toEqual({ jobId, outcome: 'unknown', status: null });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(4_000);
    expect(await cancelRequests(stack, 'unknown')).toBeGreaterThanOrEqual(1);
  });
});

describe('cancelImport with a worker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(true);
  });
  afterAll(() => stopStack(stack));

  it('resolves "finished" with the final document of a job that already succeeded, and QStash is told not to retry', async () => {
    const jobId = uniqueJobId('finished');
    const key = `uploads/${jobId}.csv`;
    await stack.service.s3.storage.put(key, 'a,b\n1,2\n');
    await stack.client.requestImport(importRequest(jobId, key));
    await stack.service.waitForState(jobId, ['succeeded']);

    const result = await stack.client.cancelImport(jobId, QUICK);
    await stack.qstash.idle();

    expect(result).toMatchObject({ jobId, outcome: 'finished', status: { state: 'succeeded', result: { rows: 1 } } });
    const cancel = stack.qstash.messages().find((m) => m.deduplicationId === `cancel:${jobId}`)!;
    expect(cancel.attempts.map((a) => [a.status, a.nonRetryable])).toEqual([[409, true]]);
    expect(await cancelRequests(stack, 'too_late')).toBe(1);
  });

  it('resolves "cancelled" for a running import stopped and rolled back, with no list', async () => {
    const jobId = uniqueJobId('running');
    const key = `uploads/${jobId}.csv`;
    const rows = Array.from({ length: 40_000 }, (_, i) => `${i},"row ${i}"`).join('\n');
    await stack.service.s3.storage.put(key, `n,label\n${rows}\n`);
    // Sent slowly (about 8 s), so the import is certainly still running when the cancel lands.
    stack.service.s3.faults.set(key, { kind: 'throttle', bytesPerSecond: 80_000 });
    await stack.client.requestImport(importRequest(jobId, key));
    await expect.poll(async () => (await stack.service.status(jobId))?.progress.rows ?? 0, { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);

    const result = await stack.client.cancelImport(jobId, { timeoutMs: 10_000, pollIntervalMs: 50 });

    expect(result).toMatchObject({ jobId, outcome: 'cancelled', status: { state: 'cancelled', attempt: 1, error: { code: 'CANCELLED' } } });
    const { rows: lists } = await stack.service.db.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
    expect(lists[0].n).toBe(0);
    expect(await cancelRequests(stack, 'cancelling')).toBe(1);
  });
});
