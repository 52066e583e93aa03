import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportClient, ImportTimeoutError, InvalidImportRequestError, type ImportClient } from '../../packages/client/src/index.js';
import { DEFAULT_STATUS_KEY_PREFIX, type StatusDocument } from '../../src/shared/contract.js';
import { createStatusStore, type StatusStore } from '../../src/shared/status/status-store.js';
import { openImportQueue, type ImportQueueHandle } from '../helpers/import-queue.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// The api sits behind this public address; the QStash stand-in routes it to the in-process api, and
// the api checks that deliveries were signed for it.
const PUBLIC_URL = 'https://imports.example.test';
const QSTASH_TOKEN = 'qstash_client_test_token';

let service: TestService;
let qstash: QstashTestServer;
let queue: ImportQueueHandle;
let client: ImportClient;
let store: StatusStore;
let unusedRedis: Redis;

beforeAll(async () => {
  service = await startService({ apiEnv: { PUBLIC_URL } });
  qstash = await startQstashServer({
    token: QSTASH_TOKEN,
    signingKey: CURRENT_KEY,
    route: (destination) => destination.replace(PUBLIC_URL, service.baseUrl),
  });
  queue = openImportQueue(service);
  client = createImportClient({
    qstashToken: QSTASH_TOKEN,
    qstashUrl: qstash.url,
    workerUrl: PUBLIC_URL,
    upstash: { url: service.upstash.url, token: service.upstash.token },
  });
  // The worker's own status store, writing to the same Upstash stand-in (its ioredis is for the no-Upstash case).
  unusedRedis = new Redis(service.env.REDIS_URL!, { lazyConnect: true });
  store = createStatusStore(
    { UPSTASH_REDIS_REST_URL: service.upstash.url, UPSTASH_REDIS_REST_TOKEN: service.upstash.token, STATUS_TTL_SECONDS: 600, STATUS_KEY_PREFIX: DEFAULT_STATUS_KEY_PREFIX },
    unusedRedis,
  );
});
afterAll(async () => {
  await qstash?.stop();
  await queue?.close();
  unusedRedis?.disconnect();
  await service?.stop();
});

const importMessages = (jobId: string) => qstash.messages().filter((m) => m.deduplicationId === jobId);

function statusDocument(jobId: string, state: StatusDocument['state'], percent = 0): StatusDocument {
  const now = new Date().toISOString();
  return { jobId, state, attempt: 1, progress: { rows: percent * 10, bytes: percent, totalBytes: 100, percent }, queuedAt: now, updatedAt: now };
}

describe('requestImport', () => {
  it('publishes through QStash to the api, which answers 202 and queues the job in BullMQ', async () => {
    const key = `uploads/${uniqueJobId('client')}.csv`;
    await service.s3.storage.put(key, 'a,b\n1,2\n');
    const jobId = uniqueJobId('client');

    const published = await client.requestImport(importRequest(jobId, key));
    await qstash.idle();

    expect(published).toMatchObject({ jobId, deduplicated: false });
    const [message] = importMessages(jobId);
    expect(message).toMatchObject({ messageId: published.messageId, destination: `${PUBLIC_URL}/qstash/import`, state: 'delivered' });
    expect(message!.attempts.map((a) => a.status)).toEqual([202]);
    const job = await queue.queue.getJob(jobId);
    expect(job?.data.request).toMatchObject({ jobId, source: { key } });
  });

  it('is deduplicated on jobId: asked twice, QStash delivers once and one job exists', async () => {
    const key = `uploads/${uniqueJobId('twice')}.csv`;
    await service.s3.storage.put(key, 'a\n1\n');
    const jobId = uniqueJobId('twice');

    const first = await client.requestImport(importRequest(jobId, key));
    const second = await client.requestImport(importRequest(jobId, key));
    await qstash.idle();

    expect(second).toEqual({ jobId, messageId: first.messageId, deduplicated: true });
    expect(importMessages(jobId)).toHaveLength(1);
    expect(await queue.queue.getJob(jobId)).toBeDefined();
  });

  it('refuses a request that breaks the contract, naming each problem, and publishes nothing', async () => {
    const before = qstash.publishes().length;

    const requesting = client.requestImport({ jobId: '42', source: { key: '../secrets.csv' }, list: { name: 'x' } });

    await expect(requesting).rejects.toBeInstanceOf(InvalidImportRequestError);
    await expect(requesting).rejects.toThrow(/jobId: jobId must not be a number.*source\.key: source\.key must not contain a "\.\." segment/);
    expect(qstash.publishes()).toHaveLength(before);
  });
});

describe('waitForImport', () => {
  it('follows a real import to success, reporting each changed document', async () => {
    const key = `uploads/${uniqueJobId('wait')}.csv`;
    await service.s3.storage.put(key, `id,name\n${Array.from({ length: 50 }, (_, i) => `${i},n${i}`).join('\n')}\n`);
    const jobId = uniqueJobId('wait');
    const seen: StatusDocument[] = [];

    await client.requestImport(importRequest(jobId, key));
    const final = await client.waitForImport(jobId, { timeoutMs: 30_000, pollIntervalMs: 20, onProgress: (s) => void seen.push(s) });

    expect(final.state).toBe('succeeded');
    expect(final.result?.rows).toBe(50);
    expect(seen.at(-1)).toEqual(final);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1]);
  });

  it('resolves with the failed document when the file is missing', async () => {
    const jobId = uniqueJobId('missing');

    await client.requestImport(importRequest(jobId, `uploads/${jobId}-never-uploaded.csv`));
    const final = await client.waitForImport(jobId, { timeoutMs: 30_000, pollIntervalMs: 20 });

    expect(final.state).toBe('failed');
    expect(final.error).toMatchObject({ code: 'FILE_NOT_FOUND', retryable: false });
  });

  it('calls onProgress once per change, not once per read, until the final document', async () => {
    const jobId = uniqueJobId('changes');
    await store.transition(statusDocument(jobId, 'queued'));
    const states: string[] = [];

    const final = await client.waitForImport(jobId, {
      timeoutMs: 10_000,
      pollIntervalMs: 10,
      async onProgress(status) {
        states.push(status.state);
        if (status.state === 'queued') await store.transition(statusDocument(jobId, 'running', 40));
        // Left unchanged for many reads before the final write.
        if (status.state === 'running') setTimeout(() => void store.transition(statusDocument(jobId, 'succeeded', 100)), 200);
      },
    });

    expect(states).toEqual(['queued', 'running', 'succeeded']);
    expect(final).toMatchObject({ state: 'succeeded', progress: { percent: 100 } });
  });

  it('resolves on a cancelled document: cancelled is final', async () => {
    const jobId = uniqueJobId('cancelled');
    await store.transition(statusDocument(jobId, 'cancelled', 30));

    await expect(client.waitForImport(jobId, { timeoutMs: 5_000, pollIntervalMs: 10 })).resolves.toMatchObject({ state: 'cancelled' });
  });

  it('gives up at the timeout with an error that says what it last saw', async () => {
    const unknown = uniqueJobId('unknown');
    const running = uniqueJobId('slow');
    await store.transition(statusDocument(running, 'running', 12));

    // Both settled together: a waiter left without a handler while the other is awaited rejects unhandled.
    const [forUnknown, forRunning] = await Promise.allSettled([
      client.waitForImport(unknown, { timeoutMs: 200, pollIntervalMs: 20 }),
      client.waitForImport(running, { timeoutMs: 200, pollIntervalMs: 20 }),
    ]);

    expect(forUnknown.status).toBe('rejected');
    expect(forRunning.status).toBe('rejected');
    const reasonOf = (o: PromiseSettledResult<unknown>) => (o as PromiseRejectedResult).reason as ImportTimeoutError;
    const [unknownError, runningError] = [reasonOf(forUnknown), reasonOf(forRunning)];
    expect(unknownError).toBeInstanceOf(ImportTimeoutError);
    expect(unknownError.message).toContain(`import "${unknown}" did not finish within 200 ms: no status document was found`);
    expect(runningError.message).toMatch(/it is still running \(attempt 1, 120 rows, 12% of the file read\)/);
    expect(runningError).toMatchObject({ lastStatus: { state: 'running' } });
  });

  it('stops when its signal is aborted', async () => {
    const jobId = uniqueJobId('aborted');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the user left the page')), 50);

    await expect(client.waitForImport(jobId, { timeoutMs: 10_000, pollIntervalMs: 10, signal: controller.signal })).rejects.toThrow(
      'the user left the page',
    );
  });
});

describe('getImportStatus', () => {
  it('returns the document the status store wrote, as it is', async () => {
    const jobId = uniqueJobId('status');
    const doc = { ...statusDocument(jobId, 'running', 7), note: 'a field this client does not know' };
    await store.transition(doc as StatusDocument);

    expect(await client.getImportStatus(jobId)).toEqual({ ...doc, revision: 1 });
  });

  it('returns null for a job it has no document of', async () => {
    expect(await client.getImportStatus(uniqueJobId('none'))).toBeNull();
  });

  it('reads under another deployment key prefix when given statusKeyPrefix', async () => {
    const jobId = uniqueJobId('prefixed');
    const doc = statusDocument(jobId, 'queued');
    await service.statusClient.set(`tenant-b:job:${jobId}`, JSON.stringify(doc));
    const other = createImportClient({
      qstashToken: QSTASH_TOKEN,
      workerUrl: PUBLIC_URL,
      upstash: { url: service.upstash.url, token: service.upstash.token },
      statusKeyPrefix: 'tenant-b:job:',
    });

    expect(await other.getImportStatus(jobId)).toEqual(doc);
    expect(await client.getImportStatus(jobId)).toBeNull();
  });

  it('fails, rather than answering null, when Upstash refuses the token', async () => {
    const wrong = createImportClient({
      qstashToken: QSTASH_TOKEN,
      workerUrl: PUBLIC_URL,
      upstash: { url: service.upstash.url, token: 'not-the-token' },
    });

    await expect(wrong.getImportStatus(uniqueJobId('denied'))).rejects.toThrow(/Unauthorized/);
  });
});
