import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { recordFigures } from '../helpers/figures.js';
import { expectOneCompleteList, waitForCopy } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, waitForLog, type CapturedLogs } from '../helpers/processes.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const FIGURES = 'redis-restart';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A crash between Redis running a worker's "move the next job to active" and the worker reading
// the reply leaves that job active with nobody on it (redis-reply-lost.int.test.ts shows it; a CI
// run of this test most likely met it: one job stuck at `queued`). It is rescued like a killed
// worker's job, once its lock lapses and the stalled check runs: up to 1.5 min with the 30 s
// defaults. Shorter settings let the test see that rescue, and keep the lock well above the
// longest event-loop stall of a loaded machine.
const RECOVERABLE_WORKER_ENV = { LOG_LEVEL: 'info', LOCK_DURATION_MS: '10000', STALLED_INTERVAL_MS: '2000' };

// A Redis of this file's own, as production runs it (AOF, fsync on every write, noeviction), so
// it can be crashed and restarted on the same port without touching the shared one.
let redis: RedisServer;
let service: TestService;
let worker: ChildProcess;
let logs: CapturedLogs;
beforeAll(async () => {
  redis = await startRedisServer();
  service = await startService({ redisUrl: redis.url, inProcessWorker: false, workerEnv: RECOVERABLE_WORKER_ENV });
  worker = service.spawnWorker();
  logs = captureLogs(worker);
  await waitForLog(worker, /"worker started"/, 60_000);
});
afterAll(async () => {
  await redis?.start();
  worker?.kill('SIGTERM');
  if (worker) await exited(worker);
  await service?.stop();
  await redis?.remove();
});

interface Delivery {
  status: number;
  ms: number;
  at: number;
}

/**
 * QStash's side: delivers until it gets a 2xx (at least once, so the api sees duplicates), one
 * try every 250 ms. Returns every try.
 */
async function deliverUntilAccepted(payload: unknown, deadline: number): Promise<Delivery[]> {
  const tries: Delivery[] = [];
  for (;;) {
    const started = performance.now();
    const status = await service.deliver(payload).then(
      (res) => res.status,
      () => 0,
    );
    tries.push({ status, ms: performance.now() - started, at: started });
    if (status >= 200 && status < 300) return tries;
    if (performance.now() > deadline) throw new Error(`not accepted before the deadline: ${JSON.stringify(tries)}`);
    await sleep(250);
  }
}

describe('the BullMQ Redis restarted', () => {
  it('while the api takes deliveries: 503s (fast) while it is down, 202s after, and every accepted job is imported once', async () => {
    onTestFailed(() => console.log(logs.lines().slice(-30).map((l) => JSON.stringify(l)).join('\n')));
    const jobs = Array.from({ length: 24 }, (_, i) => ({ jobId: uniqueJobId(`redis-api-${i}`), rows: 500 + i }));
    for (const job of jobs) await service.s3.storage.put(`uploads/${job.jobId}.csv`, numberedCsv(job.rows));

    const started = performance.now();
    const deadline = started + 40_000;
    // A new job every 100 ms for 2.4 s; Redis crashes 0.8 s in and is back 1.5 s later.
    const outage = (async () => {
      await sleep(800);
      await redis.stop('SIGKILL');
      const downAt = performance.now();
      await sleep(1_500);
      await redis.start();
      return { downAt, upAt: performance.now() };
    })();
    const deliveries = jobs.map(async (job, i) => {
      await sleep(i * 100);
      return deliverUntilAccepted(importRequest(job.jobId, `uploads/${job.jobId}.csv`), deadline);
    });
    const tries = await Promise.all(deliveries);
    const { downAt, upAt } = await outage;

    const all = tries.flat();
    const refused = all.filter((t) => t.status === 503);
    const firstAcceptedAfterUp = Math.min(...all.filter((t) => t.at >= upAt && t.status === 202).map((t) => t.at + t.ms));
    expect(refused.length).toBeGreaterThan(0);
    expect(all.every((t) => [200, 202, 503].includes(t.status))).toBe(true);
    // Fail fast: each Redis call gets at most 2 s (with the offline queue off, most fail at
    // once), then QStash is told to come back later. The slack is for a loaded CI machine.
    expect(Math.max(...refused.map((t) => t.ms))).toBeLessThan(5_000);

    const finals = await Promise.all(jobs.map((j) => service.waitForState(j.jobId, ['succeeded', 'failed'], 40_000)));
    expect(finals.map((s) => s.state)).toEqual(jobs.map(() => 'succeeded'));
    for (const job of jobs) await expectOneCompleteList(service.db.pool, job.jobId, job.rows);

    recordFigures(FIGURES, 'api-during-restart', {
      jobs: jobs.length, deliveries: all.length, accepted202: all.filter((t) => t.status === 202).length,
      duplicates200: all.filter((t) => t.status === 200).length, refused503: refused.length,
      slowest503Ms: Math.round(Math.max(...refused.map((t) => t.ms))), redisDownMs: Math.round(upAt - downAt),
      first202AfterRestartMs: Math.round(firstAcceptedAfterUp - upAt), lists: jobs.length, duplicates: 0,
      allImportedAfterStartMs: Math.round(performance.now() - started),
    });
  });

  it('while a worker runs a job: the job completes or is retried, and its list exists exactly once', async () => {
    onTestFailed(() => console.log(logs.lines().slice(-30).map((l) => JSON.stringify(l)).join('\n')));
    const rows = 100_000;
    const jobId = uniqueJobId('redis-worker');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, numberedCsv(rows));
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    await waitForCopy(service.db.pool, service.db.name);

    await redis.stop('SIGKILL');
    const downAt = performance.now();
    await sleep(1_000);
    await redis.start();
    const upAt = performance.now();

    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 40_000);
    expect(final.state).toBe('succeeded');
    await expectOneCompleteList(service.db.pool, jobId, rows);
    const succeededLogs = logs.find(/^import succeeded$/).filter((l) => l.jobId === jobId);
    expect(succeededLogs).toHaveLength(1);
    recordFigures(FIGURES, 'worker-during-restart', {
      rows, redisDownMs: Math.round(upAt - downAt), finalState: final.state, attempt: final.attempt,
      importSucceededAfterRedisBack: Number(succeededLogs[0]?.time) > Date.now() - (performance.now() - upAt),
      succeededAfterRestartMs: Math.round(performance.now() - upAt), lists: 1, duplicates: 0,
    });
  });
});
