import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportQueue } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { captureLogs, exited, waitForLog } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({
    inProcessWorker: false,
    workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: '1000' },
  });
});
afterAll(async () => {
  await service?.stop();
});

const csv = (rows: number) => `n,label\n${Array.from({ length: rows }, (_, i) => `${i},"row ${i}"`).join('\n')}\n`;

describe('worker processes', () => {
  it('share one queue: 20 jobs, each imported once, both processes did work', async () => {
    const workers = [service.spawnWorker(), service.spawnWorker()];
    await Promise.all(workers.map((w) => waitForLog(w, /"worker started"/)));
    const jobIds = Array.from({ length: 20 }, (_, i) => uniqueJobId(`multi-${i}`));
    for (const [i, jobId] of jobIds.entries()) {
      const key = `uploads/${jobId}.csv`;
      await service.s3.storage.put(key, csv(2_000 + i));
      expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    }
    const finals = await Promise.all(jobIds.map((id) => service.waitForState(id, ['succeeded', 'failed'], 60_000)));
    expect(finals.map((s) => s.state)).toEqual(jobIds.map(() => 'succeeded'));

    const { rows } = await service.db.pool.query(
      'select job_id, row_count from lists where job_id = any($1) order by job_id',
      [jobIds],
    );
    expect(rows).toHaveLength(20);
    for (const row of rows) expect(row.row_count).toBe(2_000 + jobIds.indexOf(row.job_id));

    const redis = createRedis(service.env.REDIS_URL!, 'worker');
    const queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
    const processedBy = new Set((await Promise.all(jobIds.map((id) => queue.getJob(id)))).map((j) => j?.processedBy));
    await queue.close();
    redis.disconnect();
    expect(processedBy).toEqual(new Set(workers.map((w) => expect.stringMatching(new RegExp(`:${w.pid}$`)))));
    expect(processedBy.size).toBe(2);
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map(exited));
  });

  it('on SIGTERM a busy worker exits within SHUTDOWN_TIMEOUT_MS plus a second and the other worker finishes the job', async () => {
    const jobId = uniqueJobId('sigterm');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, csv(5_000));
    // The first download stalls, so the job is certainly still running when the signal comes;
    // the next one is clean. (Clearing the fault once the import had started raced the GET: the
    // busy worker often finished the job itself, and nothing was handed over.)
    service.s3.faults.set(key, { kind: 'stall', afterBytes: 10_000, times: 1 });
    const busy = service.spawnWorker({ STORAGE_IDLE_TIMEOUT_MS: '60000' });
    const busyLogs = captureLogs(busy);
    await waitForLog(busy, /"worker started"/);
    // Listening before the delivery: the worker can log the start before the webhook answers.
    const started = waitForLog(busy, /"import started"/);
    await service.deliver(importRequest(jobId, key));
    await started;
    const other = service.spawnWorker();
    await waitForLog(other, /"worker started"/);

    const signalledAt = performance.now();
    busy.kill('SIGTERM');
    const code = await exited(busy);
    const exitMs = performance.now() - signalledAt;
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(1_000 + 1_000);

    const status = await service.waitForState(jobId, ['succeeded', 'failed'], 20_000);
    expect(status.state).toBe('succeeded');
    // The interrupted run went straight back to the queue without a failure on the job's record
    // (attemptsMade counts only the completion); the status counts the finishing run as the 2nd.
    // The status is written just before the processor returns; BullMQ completes the job after.
    const redis = createRedis(service.env.REDIS_URL!, 'worker');
    const queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
    await expect.poll(() => queue.getJobState(jobId), { timeout: 10_000 }).toBe('completed');
    const job = await queue.getJob(jobId);
    await queue.close();
    redis.disconnect();
    expect(busyLogs.find(/job returned to the queue/)).toHaveLength(1);
    expect(busyLogs.find(/^import succeeded$/)).toHaveLength(0);
    expect(job).toMatchObject({ attemptsMade: 1, attemptsStarted: 2 });
    expect(status.attempt).toBe(2);
    const { rows } = await service.db.pool.query('select row_count from lists where job_id = $1', [jobId]);
    expect(rows).toEqual([{ row_count: 5_000 }]);
    other.kill('SIGTERM');
    await exited(other);
  });
});
