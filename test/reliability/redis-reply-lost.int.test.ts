import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { recordFigures } from '../helpers/figures.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { expectOneCompleteList } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, waitForLog } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOCK_MS = 3_000;
const STALLED_MS = 1_000;

/**
 * The worker reaches Redis through a proxy that can swallow Redis's answers. This is what a Redis
 * crash or a network cut does at the worst moment: Redis has moved a job to active for the worker
 * (AOF keeps that), and the answer saying which job never arrives. ioredis then re-sends the
 * unanswered command on its new connection, which finds the queue empty, so nobody runs the job.
 */
let proxy: TcpProxy;
let service: TestService;
beforeAll(async () => {
  const redis = new URL(TEST_REDIS_URL);
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  service = await startService({ inProcessWorker: false });
});
afterAll(async () => {
  await service?.stop();
  await proxy?.stop();
});

describe('a worker that never hears which job Redis handed it', () => {
  it('leaves the job active with nobody on it until the stall check moves it back; then it is imported once', async () => {
    const worker = service.spawnWorker({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      LOG_LEVEL: 'info',
      LOCK_DURATION_MS: String(LOCK_MS),
      STALLED_INTERVAL_MS: String(STALLED_MS),
    });
    const logs = captureLogs(worker);
    onTestFailed(() => console.log(logs.lines().slice(-30).map((l) => JSON.stringify(l)).join('\n')));
    const queue = openImportQueue(service);
    try {
      await waitForLog(worker, /"worker started"/, 60_000);
      // Idle: its blocking connection waits in BZPOPMIN for a job to arrive.
      await sleep(500);
      const rows = 5_000;
      const jobId = uniqueJobId('reply-lost');
      const key = `uploads/${jobId}.csv`;
      await service.s3.storage.put(key, numberedCsv(rows));

      // The wake-up still gets through on the blocking connection; the answer to the worker's
      // "move the next job to active", on its other connection, does not.
      proxy.dropReplies((lastSent) => !/bzpopmin/i.test(lastSent));
      expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
      await queue.waitForState(jobId, 'active', 10_000);
      const handedOverAt = performance.now();
      await sleep(500);
      expect(logs.find(/^import started$/)).toHaveLength(0);
      proxy.cutConnections();
      proxy.forwardReplies();

      const final = await service.waitForState(jobId, ['succeeded', 'failed'], 60_000);
      const recoveredMs = performance.now() - handedOverAt;
      expect(final.state).toBe('succeeded');
      await expectOneCompleteList(service.db.pool, jobId, rows);
      await queue.waitForState(jobId, 'completed');
      const job = await queue.queue.getJob(jobId);
      // Rescued by the stall check, the only way back for an active job nobody holds: not before
      // its lock lapsed, and counted as a stall rather than a failed attempt.
      expect(job?.stalledCounter).toBe(1);
      expect(job?.attemptsMade).toBe(1);
      expect(recoveredMs).toBeGreaterThan(LOCK_MS - 500);
      expect(logs.find(/^import succeeded$/).filter((l) => l.jobId === jobId)).toHaveLength(1);
      recordFigures('redis-reply-lost', 'hand-over-answer-lost', {
        rows, lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_MS, succeededAfterHandOverMs: Math.round(recoveredMs),
        bull: { stalledCounter: job?.stalledCounter, attemptsMade: job?.attemptsMade }, lists: 1, duplicates: 0,
      });
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
      await queue.close();
    }
  });
});
