import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { QUEUE, type ImportJobData } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { recordFigures } from '../helpers/figures.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, killAfterEach, waitForLog } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const STARTUP_MS = 60_000;
const LOCK_MS = 2_000;
const STALLED_MS = 1_000;
const MAX_STALLED_COUNT = 2;

let service: TestService;
beforeAll(async () => {
  service = await startService({
    inProcessWorker: false,
    workerEnv: {
      LOG_LEVEL: 'info', LOCK_DURATION_MS: String(LOCK_MS), STALLED_INTERVAL_MS: String(STALLED_MS), MAX_STALLED_COUNT: String(MAX_STALLED_COUNT),
    },
  });
});
const track = killAfterEach();
afterAll(async () => {
  await service?.stop();
});

function spawnWorker(): ChildProcess {
  const child = service.spawnWorker();
  track(child);
  return child;
}

/**
 * A worker that takes jobs and never runs or renews them, like one that froze, plus the stall
 * check that hands them back: real BullMQ on the real Redis, only without a processor.
 */
function startFrozenWorker() {
  const connection = createRedis(service.env.REDIS_URL!, 'worker');
  const frozen = new Worker<ImportJobData>(QUEUE.importCsv, null, {
    connection, prefix: service.env.QUEUE_PREFIX!, lockDuration: 1_000, stalledInterval: 500, maxStalledCount: MAX_STALLED_COUNT, autorun: false,
  });
  void frozen.startStalledCheckTimer();
  return {
    /** Waits until the job is handed to this worker (back from a stall), then lets its lock lapse. */
    async take(jobId: string): Promise<void> {
      for (;;) {
        const job = await frozen.getNextJob(randomUUID());
        if (job?.id === jobId) return;
      }
    },
    async close() {
      await frozen.close();
      connection.disconnect();
    },
  };
}

describe('every job BullMQ ends reaches a final status', () => {
  it('a job that stalled more than MAX_STALLED_COUNT times ends failed with STALLED, not running for ever', async () => {
    const jobId = uniqueJobId('stalled');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, numberedCsv(50_000));
    // The first run's download is slow, so it is surely still importing when its worker dies.
    service.s3.faults.set(key, { kind: 'throttle', bytesPerSecond: 200_000, times: 1 });
    const first = spawnWorker();
    await waitForLog(first, /"worker started"/, STARTUP_MS);
    // Listening before the delivery: the worker can log the start before the webhook answers.
    const started = waitForLog(first, /"import started"/, 30_000);
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    await started;
    expect(await service.waitForState(jobId, ['running'])).toMatchObject({ state: 'running', attempt: 1 });
    first.kill('SIGKILL');
    await exited(first);

    // Its lock lapses (stall 1); two more runs freeze the same way (stalls 2 and 3).
    const frozen = startFrozenWorker();
    try {
      await frozen.take(jobId);
      await frozen.take(jobId);
    } finally {
      await frozen.close();
    }
    const queue = openImportQueue(service);
    try {
      // The last worker's stall check hands the job back once more (stall 3), marked to fail: the
      // worker that picks it up next fails it without running it.
      const last = spawnWorker();
      const logs = captureLogs(last);
      onTestFailed(() => console.log(logs.lines().map((l) => JSON.stringify(l)).join('\n')));
      const startedAt = performance.now();
      const final = await service.waitForState(jobId, ['failed', 'succeeded'], 60_000);
      const finalMs = performance.now() - startedAt;
      expect(final).toMatchObject({ state: 'failed', attempt: 4, error: { code: 'STALLED', retryable: false } });
      expect(final.error?.message).toContain('interrupted 3 times');
      expect(final.finishedAt).toBeDefined();
      await queue.waitForState(jobId, 'failed');
      const job = await queue.queue.getJob(jobId);
      expect(job?.failedReason).toBe('job stalled more than allowable limit');
      expect(logs.find(/^import started$/)).toHaveLength(0);
      // No attempt of ours ran it, yet it is counted and logged as an import that ended.
      expect(logs.find(/^import finished$/)).toEqual([expect.objectContaining({ outcome: 'failed', code: 'STALLED' })]);
      const { rows } = await service.db.pool.query<{ n: number }>('select count(*)::int as n from lists where job_id = $1', [jobId]);
      expect(rows[0]!.n).toBe(0);
      recordFigures('final-states', 'stalled-too-often', {
        maxStalledCount: MAX_STALLED_COUNT, stalls: job?.stalledCounter, attemptsStarted: job?.attemptsStarted, finalState: final.state,
        attempt: final.attempt, errorCode: final.error?.code, finalAfterLastWorkerStartMs: Math.round(finalMs), lists: 0,
      });
    } finally {
      await queue.close();
    }
  });
});
