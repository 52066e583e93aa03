import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QSTASH_CANCEL_PATH } from '../../src/api/routes/qstash-cancel.js';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import { cancelKey } from '../../src/shared/cancellation.js';
import type { StatusDocument } from '../../src/shared/contract.js';
import { createImportQueue, type ImportJobData } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { postSigned, spawnApi, stopApi, type ApiProcess } from '../helpers/api-process.js';
import { recordFigures } from '../helpers/figures.js';
import { startWorkers, type StartedWorker } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';
import { signQstash } from '../helpers/sign-qstash.js';

// The api and the workers are processes of their own, as in production: a cancel reaches the
// worker running the job only through Redis.
let service: TestService;
let api: ApiProcess;
let redis: Redis;
let queue: Queue<ImportJobData>;
const workers: StartedWorker[] = [];

beforeAll(async () => {
  service = await startService({
    inProcessWorker: false,
    // A job that failed waits a minute before its next attempt: long enough to cancel it then.
    env: { JOB_BACKOFF_MS: '60000' },
    workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' },
  });
  api = await spawnApi(service.env);
  redis = createRedis(service.env.REDIS_URL!, 'worker');
  queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
  workers.push(...(await startWorkers(() => service.spawnWorker(), 2)));
});
afterAll(async () => {
  await stopApi(api);
  await queue?.close();
  redis?.disconnect();
  await service?.stop();
});

const post = (path: string, payload: unknown) => postSigned(api, path, payload);
const requestImport = (jobId: string, key: string) => post(QSTASH_IMPORT_PATH, importRequest(jobId, key));
const cancel = (jobId: string) => post(QSTASH_CANCEL_PATH, { jobId });

const csv = (rows: number) => `n,label\n${Array.from({ length: rows }, (_, i) => `${i},"row ${i}"`).join('\n')}\n`;

/** A file the store sends slowly (about 8 s), so its import is certainly still running when cancelled. */
async function slowFile(jobId: string): Promise<string> {
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, csv(40_000));
  service.s3.faults.set(key, { kind: 'throttle', bytesPerSecond: 80_000 });
  return key;
}

async function waitUntilImporting(jobId: string): Promise<StatusDocument> {
  await expect.poll(async () => (await service.status(jobId))?.progress.rows ?? 0, { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);
  return (await service.status(jobId))!;
}

async function listsOf(jobId: string): Promise<number> {
  const { rows } = await service.db.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
  return rows[0].n as number;
}

const startedLines = (jobId: string) => workers.flatMap((w) => w.logs.find(/^import started$/)).filter((l) => l.jobId === jobId);

async function importSucceeds(label: string): Promise<void> {
  const jobId = uniqueJobId(label);
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, csv(500));
  expect((await requestImport(jobId, key)).status).toBe(202);
  expect((await service.waitForState(jobId, ['succeeded', 'failed', 'cancelled'])).state).toBe('succeeded');
}

describe('POST /qstash/cancel', () => {
  it('aborts a running import on whichever worker process runs it within 2 s, rolls it back, and the workers keep working', async () => {
    const jobId = uniqueJobId('running');
    const key = await slowFile(jobId);
    expect((await requestImport(jobId, key)).status).toBe(202);
    const before = await waitUntilImporting(jobId);
    expect(before.state).toBe('running');

    const res = await cancel(jobId);
    const answeredAt = performance.now();
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ jobId, state: 'cancelling' });
    const status = await service.waitForState(jobId, ['cancelled', 'succeeded', 'failed'], 2_000);
    const cancelledMs = Math.round(performance.now() - answeredAt);
    expect(status).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED', retryable: false } });
    expect(status.finishedAt).toBeDefined();

    // Failed for good in BullMQ, with the code the dashboard shows; never tried again.
    await expect.poll(() => queue.getJobState(jobId), { timeout: 5_000 }).toBe('failed');
    const job = (await queue.getJob(jobId))!;
    expect(job.failedReason).toMatch(/^CANCELLED: /);
    expect(job.attemptsMade).toBe(1);
    expect(await listsOf(jobId)).toBe(0);
    const late = await requestImport(jobId, key);
    expect([late.status, await late.json()]).toEqual([200, { jobId, state: 'cancelled' }]);

    const ranOn = workers.filter((w) => w.logs.find(/^import cancelled; nothing was committed$/).some((l) => l.jobId === jobId));
    expect(ranOn).toHaveLength(1);
    for (const w of workers) expect(w.child.exitCode).toBeNull();
    // Both processes still take jobs: one job each, at the same time (concurrency 1 each).
    await Promise.all([importSucceeds('after-cancel-a'), importSucceeds('after-cancel-b')]);
    expect((await service.status(jobId))?.state).toBe('cancelled');
    recordFigures('cancel', 'running import cancelled', { rowsBeforeCancel: before.progress.rows, cancelledMs });
  });

  it('stops a running import whose announcement never came: the workers poll the cancel key', async () => {
    const jobId = uniqueJobId('lost-announcement');
    expect((await requestImport(jobId, await slowFile(jobId))).status).toBe(202);
    await waitUntilImporting(jobId);
    // What the cancel route records, without the pub/sub message a dropped subscriber would miss.
    await redis.set(cancelKey(service.env.QUEUE_PREFIX!, jobId), '1', 'EX', 60);
    const setAt = performance.now();
    const status = await service.waitForState(jobId, ['cancelled', 'succeeded', 'failed'], 2_000);
    const cancelledMs = Math.round(performance.now() - setAt);
    expect(status.state).toBe('cancelled');
    expect(await listsOf(jobId)).toBe(0);
    recordFigures('cancel', 'cancel found by polling', { cancelledMs });
  });

  it('takes a queued job out of the queue: it never runs, and a late delivery of its import imports nothing', async () => {
    // Both workers busy (concurrency 1 each), so the third job waits.
    const busy = [uniqueJobId('busy-a'), uniqueJobId('busy-b')];
    for (const id of busy) expect((await requestImport(id, await slowFile(id))).status).toBe(202);
    await Promise.all(busy.map(waitUntilImporting));
    const jobId = uniqueJobId('queued');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, csv(100));
    const uploadHits = service.s3.faults.hits(key);
    expect((await requestImport(jobId, key)).status).toBe(202);
    expect(await queue.getJobState(jobId)).toBe('waiting');

    const res = await cancel(jobId);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jobId, state: 'cancelled' });
    expect(await service.status(jobId)).toMatchObject({ state: 'cancelled', attempt: 0, error: { code: 'CANCELLED' } });
    expect(await queue.getJob(jobId)).toBeUndefined();

    const again = await cancel(jobId);
    expect([again.status, await again.json()]).toEqual([200, { jobId, state: 'cancelled' }]);
    const late = await requestImport(jobId, key);
    expect([late.status, await late.json()]).toEqual([200, { jobId, state: 'cancelled' }]);
    expect(await queue.getJob(jobId)).toBeUndefined();

    // Free the workers; had the job stayed queued, one of them would take it now.
    for (const id of busy) expect((await cancel(id)).status).toBe(202);
    await Promise.all(busy.map((id) => service.waitForState(id, ['cancelled'], 2_000)));
    await importSucceeds('after-queued');
    expect(startedLines(jobId)).toEqual([]);
    expect(service.s3.faults.hits(key)).toBe(uploadHits);
    expect(await listsOf(jobId)).toBe(0);
    expect((await service.status(jobId))?.state).toBe('cancelled');
  });

  it('cancels a job waiting for its next attempt: it is not tried again', async () => {
    const jobId = uniqueJobId('retrying');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, csv(100));
    service.s3.faults.set(key, { kind: 'status', status: 503, method: 'HEAD' });
    expect((await requestImport(jobId, key)).status).toBe(202);
    await service.waitForState(jobId, ['retrying']);
    await expect.poll(() => queue.getJobState(jobId), { timeout: 5_000 }).toBe('delayed');
    service.s3.faults.clear(key);

    const res = await cancel(jobId);
    expect([res.status, await res.json()]).toEqual([200, { jobId, state: 'cancelled' }]);
    expect(await service.status(jobId)).toMatchObject({ state: 'cancelled', attempt: 1 });
    expect(await queue.getJob(jobId)).toBeUndefined();
    expect(await listsOf(jobId)).toBe(0);
  });

  it('ends at its start a job a worker takes after the cancel was recorded, without opening the file', async () => {
    // The moment the route cannot take the job out: a worker took it (and its lock) first.
    const jobId = uniqueJobId('taken');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, csv(100));
    const uploadHits = service.s3.faults.hits(key);
    await redis.set(cancelKey(service.env.QUEUE_PREFIX!, jobId), '1', 'EX', 60);
    await queue.add('import-csv', { request: importRequest(jobId, key) as unknown as ImportJobData['request'], deliveryId: 'test', queuedAt: new Date().toISOString() }, { jobId, attempts: 5 });
    const status = await service.waitForState(jobId, ['cancelled', 'succeeded', 'failed']);
    expect(status.state).toBe('cancelled');
    await expect.poll(() => queue.getJobState(jobId), { timeout: 5_000 }).toBe('failed');
    expect((await queue.getJob(jobId))?.failedReason).toMatch(/^CANCELLED: /);
    expect(service.s3.faults.hits(key)).toBe(uploadHits);
    expect(await listsOf(jobId)).toBe(0);
  });

  it('answers 409 for a finished job and leaves its list', async () => {
    const done = uniqueJobId('done');
    const key = `uploads/${done}.csv`;
    await service.s3.storage.put(key, csv(10));
    await requestImport(done, key);
    await service.waitForState(done, ['succeeded']);
    await expect.poll(() => queue.getJobState(done), { timeout: 5_000 }).toBe('completed');
    const res = await cancel(done);
    expect([res.status, await res.json()]).toEqual([409, { jobId: done, state: 'succeeded' }]);
    expect(await listsOf(done)).toBe(1);
    expect((await service.status(done))?.state).toBe('succeeded');

    const missing = uniqueJobId('missing');
    await requestImport(missing, `uploads/${missing}.csv`);
    await service.waitForState(missing, ['failed']);
    await expect.poll(() => queue.getJobState(missing), { timeout: 5_000 }).toBe('failed');
    const failed = await cancel(missing);
    expect([failed.status, await failed.json()]).toEqual([409, { jobId: missing, state: 'failed' }]);
  });

  it('rolls back an import cancelled after its rows were written, at its last check before COMMIT', async () => {
    const jobId = uniqueJobId('before-commit');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, csv(2_000));
    // Holds the import where no AbortSignal reaches: its rows are in, and it waits to write its
    // columns, the statement before its last check and COMMIT.
    const locker = await service.db.pool.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table list_columns in exclusive mode');
      expect((await requestImport(jobId, key)).status).toBe(202);
      await expect
        .poll(async () => {
          const { rows } = await service.db.pool.query(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%list_columns%'",
          );
          return rows[0].n as number;
        }, { timeout: 20_000, interval: 50 })
        .toBe(1);
      const res = await cancel(jobId);
      expect([res.status, await res.json()]).toEqual([202, { jobId, state: 'cancelling' }]);
    } finally {
      await locker.query('rollback');
      locker.release();
    }
    const status = await service.waitForState(jobId, ['cancelled', 'succeeded', 'failed'], 5_000);
    expect(status.state).toBe('cancelled');
    expect(await listsOf(jobId)).toBe(0);
    const { rows } = await service.db.pool.query('select count(*)::int as n from list_rows r left join lists l on l.id = r.list_id where l.id is null');
    expect(rows[0].n).toBe(0);
  });

  it('tells the truth when a cancel lost the race to the COMMIT: the job succeeded, even once its record is gone', async () => {
    const jobId = uniqueJobId('committed');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, csv(10));
    await requestImport(jobId, key);
    await service.waitForState(jobId, ['succeeded']);
    await expect.poll(() => queue.getJobState(jobId), { timeout: 5_000 }).toBe('completed');
    // What a cancel recorded between the run's last check and its COMMIT leaves behind.
    await redis.set(cancelKey(service.env.QUEUE_PREFIX!, jobId), '1', 'EX', 60);
    expect((await cancel(jobId)).status).toBe(409);
    await queue.remove(jobId);
    const res = await cancel(jobId);
    expect([res.status, await res.json()]).toEqual([409, { jobId, state: 'succeeded' }]);
    const late = await requestImport(jobId, key);
    expect(late.status).toBe(202);
    expect((await service.waitForState(jobId, ['succeeded', 'failed', 'cancelled'])).state).toBe('succeeded');
    expect(await listsOf(jobId)).toBe(1);
  });

  it('answers 404 for an unknown job, retryable', async () => {
    const jobId = uniqueJobId('unknown');
    const res = await cancel(jobId);
    expect(res.status).toBe(404);
    expect(res.headers.get('upstash-nonretryable-error')).toBeNull();
    expect(await res.json()).toEqual({ jobId });
    expect(await redis.exists(cancelKey(service.env.QUEUE_PREFIX!, jobId))).toBe(0);
  });

  it('refuses a bad body (400, not retried) and a missing or wrong signature (401)', async () => {
    for (const payload of [{}, { jobId: 'a:b' }, { jobId: 'ok-id', extra: 1 }, { jobId: 42 }]) {
      const res = await post(QSTASH_CANCEL_PATH, payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(res.headers.get('upstash-nonretryable-error')).toBe('true');
    }
    const body = JSON.stringify({ jobId: uniqueJobId('unsigned') });
    const url = `${api.baseUrl}${QSTASH_CANCEL_PATH}`;
    const unsigned: Record<string, string> = {};
    for (const headers of [unsigned, { 'upstash-signature': signQstash({ key: 'not-our-signing-key', url, body }) }]) {
      const res = await fetch(url, { method: 'POST', headers, body });
      expect(res.status).toBe(401);
    }
  });
});
