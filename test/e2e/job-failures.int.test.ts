import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB, createImportQueue, type ImportJobData } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ env: { JOB_ATTEMPTS: '3' } });
});
afterAll(async () => {
  await service?.stop();
});

async function bullJob(jobId: string) {
  const redis = createRedis(service.env.REDIS_URL!, 'worker');
  const queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
  try {
    const job = await queue.getJob(jobId);
    return job && { attemptsMade: job.attemptsMade, state: await job.getState(), failedReason: job.failedReason };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

describe('job failures', () => {
  it('fails a permanent error at once, naming row, column and value, without retrying', async () => {
    const key = `uploads/${uniqueJobId('bad-json')}.csv`;
    await service.s3.storage.put(key, 'id,payload\n1,"{""ok"":true}"\n2,{not json}\n');
    const jobId = uniqueJobId('permanent');
    const res = await service.deliver(importRequest(jobId, key, { columns: [{ name: 'payload', type: 'json' }] }));
    expect(res.status).toBe(202);

    const status = await service.waitForState(jobId, ['failed', 'succeeded']);
    expect(status.state).toBe('failed');
    expect(status.attempt).toBe(1);
    expect(status.error).toMatchObject({ code: 'JSON_PARSE_ERROR', retryable: false });
    expect(status.error?.message).toContain(key);
    expect(status.error?.problems).toEqual([
      expect.objectContaining({ row: 2, line: 3, column: 'payload', code: 'JSON_PARSE_ERROR', value: '{not json}' }),
    ]);
    const job = await bullJob(jobId);
    expect(job).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(job?.failedReason).toMatch(/^JSON_PARSE_ERROR: /);
    const { rows } = await service.db.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
    expect(rows[0].n).toBe(0);
  });

  it('retries a transient storage failure and then succeeds', async () => {
    const key = `uploads/${uniqueJobId('flaky')}.csv`;
    await service.s3.storage.put(key, 'a,b\n1,2\n3,4\n');
    // Two 500s: the S3 client's own second try (maxAttempts 2) must fail too for the job to retry.
    service.s3.faults.set(key, { kind: 'status', status: 500, times: 2 });
    const jobId = uniqueJobId('transient');
    const seen = new Set<string>();
    const watching = (async () => {
      for (;;) {
        const s = await service.status(jobId);
        if (s) seen.add(s.state);
        if (s?.state === 'succeeded' || s?.state === 'failed') return s;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);

    const final = await watching;
    expect(final.state).toBe('succeeded');
    expect(final.attempt).toBe(2);
    expect(seen).toContain('retrying');
    expect(final.result?.rows).toBe(2);
  });

  it('fails for good with the last error when attempts run out', async () => {
    const key = `uploads/${uniqueJobId('down')}.csv`;
    await service.s3.storage.put(key, 'a\n1\n');
    service.s3.faults.set(key, { kind: 'status', status: 503, times: 100 });
    const jobId = uniqueJobId('exhausted');
    await service.deliver(importRequest(jobId, key));

    const status = await service.waitForState(jobId, ['failed', 'succeeded']);
    expect(status).toMatchObject({ state: 'failed', attempt: 3, error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
    // The dashboard shows failedReason: the code leads it for a transient error too.
    expect(await bullJob(jobId)).toMatchObject({ state: 'failed', attemptsMade: 3, failedReason: expect.stringMatching(/^STORAGE_UNAVAILABLE: /) });
  });

  it('fails a missing file as FILE_NOT_FOUND naming the key', async () => {
    const jobId = uniqueJobId('missing');
    const key = `uploads/${jobId}-never-uploaded.csv`;
    await service.deliver(importRequest(jobId, key));
    const status = await service.waitForState(jobId, ['failed', 'succeeded']);
    expect(status).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'FILE_NOT_FOUND', retryable: false } });
    expect(status.error?.message).toContain(key);
  });

  it('fails a job whose data is not an import request as JOB_DATA_INVALID, at once, with a final status', async () => {
    // The api never enqueues such data; a job added around it (another tool, an older release) can carry it.
    const jobId = uniqueJobId('bad-data');
    const queue = openImportQueue(service);
    try {
      const data = { request: { jobId, source: { key: '/etc/passwd' } }, deliveryId: 'test', queuedAt: new Date().toISOString() };
      await queue.queue.add(JOB.importCsv, data as unknown as ImportJobData, { jobId, attempts: 3 });
      const status = await service.waitForState(jobId, ['failed', 'succeeded'], 15_000);
      expect(status).toMatchObject({ jobId, state: 'failed', attempt: 1, error: { code: 'JOB_DATA_INVALID', retryable: false } });
      expect(status.error?.message).toContain('source.key');
      await queue.waitForState(jobId, 'failed');
      expect(await bullJob(jobId)).toMatchObject({ state: 'failed', attemptsMade: 1 });
    } finally {
      await queue.close();
    }
  });
});
