import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusKey, type StatusDocument } from '../../src/shared/contract.js';
import { createImportQueue } from '../../src/shared/queues.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const rows = (n: number) => `id,name\n${Array.from({ length: n }, (_, i) => `${i},name ${i}`).join('\n')}\n`;
let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(() => {
  redis.disconnect();
});

/** The document as stored, read around the REST stand-in (which the tests switch off). */
async function stored(jobId: string, prefix?: string): Promise<StatusDocument | undefined> {
  const raw = await redis.get(statusKey(jobId, prefix));
  return raw ? JSON.parse(raw) : undefined;
}

/** Every state the document shows, polled until `done` resolves. */
function watchStates(jobId: string, done: Promise<unknown>): Promise<string[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  return (async () => {
    const seen: string[] = [];
    while (!finished) {
      const state = (await stored(jobId))?.state ?? 'none';
      if (seen.at(-1) !== state) seen.push(state);
      await new Promise((r) => setTimeout(r, 5));
    }
    return seen;
  })();
}

async function until<T>(read: () => Promise<T | undefined>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the status mirror on Upstash', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ workerEnv: { PROGRESS_REPORT_INTERVAL: '1000' } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('never fails an import while Upstash is down, and the final state lands once it is back', async () => {
    const key = `uploads/${uniqueJobId('outage')}.csv`;
    await service.s3.storage.put(key, rows(50));
    const jobId = uniqueJobId('outage');
    await service.upstash.setMode('refuse');
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);

    // The import itself completes (Postgres is the truth) while every status write fails.
    const { rows: lists } = await until(
      () => service.db.pool.query('select row_count from lists where job_id = $1', [jobId]),
      (r) => r.rows.length === 1,
    );
    expect(lists[0].row_count).toBe(50);
    expect(await stored(jobId)).toBeUndefined();

    await service.upstash.setMode('ok');
    const final = await until(() => stored(jobId), (d) => d.state === 'succeeded');
    expect(final.result?.rows).toBe(50);
  });

  it('reports progress with rows, bytes and percent, in the status document and the BullMQ job', async () => {
    const key = `uploads/${uniqueJobId('progress')}.csv`;
    const body = rows(200_000);
    await service.s3.storage.put(key, body);
    const jobId = uniqueJobId('progress');
    await service.deliver(importRequest(jobId, key));

    const midway = await until(() => stored(jobId), (d) => d.state === 'running' && d.progress.rows > 0);
    expect(midway.progress.totalBytes).toBe(Buffer.byteLength(body));
    expect(midway.progress.rows % 1000).toBe(0);
    expect(midway.progress.percent).toBeGreaterThanOrEqual(0);
    expect(midway.progress.percent).toBeLessThanOrEqual(100);

    const final = await service.waitForState(jobId, ['succeeded']);
    expect(final.progress).toMatchObject({ rows: 200_000, percent: 100, totalBytes: Buffer.byteLength(body) });
    const queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
    const job = await queue.getJob(jobId);
    expect(job?.progress).toMatchObject({ rows: 200_000, percent: 100 });
    expect(job?.returnvalue).toMatchObject({ rows: 200_000, alreadyImported: false });
  });

  /** Imports a file, then removes the finished BullMQ job, as retention does after a while. */
  async function importedAndForgotten(label: string) {
    const key = `uploads/${uniqueJobId(label)}.csv`;
    await service.s3.storage.put(key, 'Name;Note\nZoë;"a; b"\nBo;c\n');
    const jobId = uniqueJobId(label);
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    const first = await service.waitForState(jobId, ['succeeded']);
    const queue = openImportQueue(service);
    await queue.waitForState(jobId, 'completed');
    await (await queue.queue.getJob(jobId))!.remove();
    return { jobId, key, first, queue };
  }

  it('a redelivery of a finished job never flips its status back to running, and keeps the result', async () => {
    const { jobId, key, first, queue } = await importedAndForgotten('redelivered');
    try {
      expect(first.result).toMatchObject({ alreadyImported: false, encoding: 'utf-8', delimiter: ';', rows: 2 });
      const done = (async () => {
        expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
        await queue.waitForState(jobId, 'completed');
      })();
      const seen = await watchStates(jobId, done);
      await done;
      expect(seen).toEqual(['succeeded']);
      expect(await stored(jobId)).toEqual(first);
      // The second job answers with the first import's result, details and all.
      const job = await queue.queue.getJob(jobId);
      expect(job?.returnvalue).toEqual({ ...first.result, alreadyImported: true });
    } finally {
      await queue.close();
    }
  });

  it('a redelivery after the status document expired reports the original result, marked alreadyImported', async () => {
    const { jobId, key, first, queue } = await importedAndForgotten('expired');
    try {
      await redis.del(statusKey(jobId));
      expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
      await queue.waitForState(jobId, 'completed');
      const again = await service.waitForState(jobId, ['succeeded']);
      expect(again.result).toEqual({ ...first.result, alreadyImported: true });
    } finally {
      await queue.close();
    }
  });
});

describe('the status mirror under another STATUS_KEY_PREFIX', () => {
  const prefix = `tenant-b:${uniqueJobId('prefix')}:`;
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ env: { STATUS_KEY_PREFIX: prefix } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('the api and the worker both write the job under the configured prefix, nothing under the default one', async () => {
    const key = `uploads/${uniqueJobId('prefixed')}.csv`;
    await service.s3.storage.put(key, rows(3));
    const jobId = uniqueJobId('prefixed');
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    const final = await until(() => stored(jobId, prefix), (d) => d.state === 'succeeded');
    expect(final).toMatchObject({ jobId, attempt: 1, result: { rows: 3 } });
    expect(await stored(jobId)).toBeUndefined();
  });
});

describe('the status mirror without Upstash', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ env: { UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: '' } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('writes the same document under the same key in the BullMQ Redis, with a TTL', async () => {
    const key = `uploads/${uniqueJobId('fallback')}.csv`;
    await service.s3.storage.put(key, rows(3));
    const jobId = uniqueJobId('fallback');
    await service.deliver(importRequest(jobId, key));
    const final = await until(() => stored(jobId), (d) => d.state === 'succeeded');
    expect(final).toMatchObject({ jobId, attempt: 1, result: { rows: 3 } });
    expect(service.upstash.requests()).toBe(0);
    const ttl = await redis.ttl(statusKey(jobId));
    expect(ttl).toBeGreaterThan(604_000);
  });
});
