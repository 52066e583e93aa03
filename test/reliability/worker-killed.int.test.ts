import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { recordFigures } from '../helpers/figures.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { backends, expectOneCompleteList, stuck, waitForBackendGone, waitForCopy, watchJobRows } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, killAfterEach, waitForLog } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// The issue asks for files of at least 200k rows here: big enough that the import is certainly
// mid-COPY when the worker dies, and that a partial list would show.
const ROWS = 200_000;
const FIGURES = 'worker-killed';
// Generous: on a busy CI machine starting a worker under tsx alone can take many seconds.
const STARTUP_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

let service: TestService;
beforeAll(async () => {
  service = await startService({ inProcessWorker: false, workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' } });
});
const track = killAfterEach();
function spawnWorker(env: Record<string, string>): ChildProcess {
  const child = service.spawnWorker(env);
  track(child);
  return child;
}
afterAll(async () => {
  await service?.stop();
});

/**
 * Puts a fresh file, starts a worker and hands it the job; resolves once its COPY is streaming.
 * The first download comes over a slow link (data keeps flowing: not a stall), so the import is
 * surely still running when the test strikes, however fast the engine gets; retries get it at
 * full speed.
 */
async function startImport(label: string, env: Record<string, string>, bytesPerSecond: number) {
  const jobId = uniqueJobId(label);
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, numberedCsv(ROWS));
  service.s3.faults.set(key, { kind: 'throttle', bytesPerSecond, times: 1 });
  const victim = spawnWorker(env);
  const victimLogs = captureLogs(victim);
  onTestFailed(() => console.log(`victim log:\n${victimLogs.lines().map((l) => JSON.stringify(l).slice(0, 400)).join('\n')}`));
  await waitForLog(victim, /"worker started"/, STARTUP_MS);
  expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
  const copyPid = await waitForCopy(service.db.pool, service.db.name);
  // Another session sees nothing of the list until it commits, whatever happens to the worker.
  const watcher = watchJobRows(service.db.pool, jobId);
  return { jobId, victim, victimLogs, copyPid, watcher };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a worker process that dies mid-import', () => {
  it('SIGKILL: the job stalls, another worker picks it up after the stall interval and imports it once', async () => {
    const lockMs = 3_000;
    const stalledMs = 2_000;
    const env = { LOCK_DURATION_MS: String(lockMs), STALLED_INTERVAL_MS: String(stalledMs) };
    const { jobId, victim, copyPid, watcher } = await startImport('sigkill', env, 1_000_000);
    // The dead worker's 3 s lock is what has to lapse. The rescuer's own lock is longer, so that a
    // CPU-starved CI machine cannot make its lock lapse too and use up MAX_STALLED_COUNT.
    const rescuerEnv = { ...env, LOCK_DURATION_MS: '15000' };
    await sleep(500);
    // Still streaming rows: the kill lands mid-COPY, not after the commit.
    expect((await backends(service.db.pool, service.db.name)).map((b) => b.pid)).toContain(copyPid);

    const killedAt = performance.now();
    victim.kill('SIGKILL');
    await exited(victim);
    // The kernel closes the dead worker's socket, so PostgreSQL ends its backend and rolls back.
    const backendGoneMs = await waitForBackendGone(service.db.pool, copyPid, 15_000);
    // Another worker, started now as a platform would restart one (its start-up overlaps the lock's expiry).
    const rescuer = spawnWorker(rescuerEnv);
    const rescuerLogs = captureLogs(rescuer);
    await waitForLog(rescuer, /"import started"/, STARTUP_MS);
    const pickedUpMs = performance.now() - killedAt;
    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 120_000);
    const recoveredMs = performance.now() - killedAt;
    const snapshots = await watcher.stop();

    expect(final.state).toBe('succeeded');
    await expectOneCompleteList(service.db.pool, jobId, ROWS);
    expect(snapshots.every((s) => s.rows === 0 || s.rows === ROWS)).toBe(true);
    // Nobody renews a dead worker's lock: it expires, and a stall check then moves the job back.
    expect(pickedUpMs).toBeGreaterThan(lockMs - 500);
    expect(pickedUpMs).toBeLessThan(lockMs + 2 * stalledMs + 15_000);

    // The status is written just before the processor returns; BullMQ completes the job after.
    const queue = openImportQueue(service);
    await queue.waitForState(jobId, 'completed');
    const job = await queue.queue.getJob(jobId);
    await queue.close();
    // BullMQ counts a stall in stalledCounter and attemptsStarted, not in attemptsMade (which
    // only failures and the final completion raise, the retry budget). The status document's
    // attempt counts runs, so the rescuer's run reports attempt 2.
    // (Should the rescuer's lock lapse as well, the job runs once more and finds its list: these
    // are lower bounds, the list check above is the invariant.)
    expect(job?.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(job?.stalledCounter).toBeGreaterThanOrEqual(1);
    expect(job?.attemptsMade).toBe(1);
    expect(final.attempt).toBe(job?.attemptsStarted);
    expect(job?.processedBy).toMatch(new RegExp(`:${rescuer.pid}$`));
    // One run wrote the list; any later run only found it (alreadyImported).
    expect(rescuerLogs.find(/^import succeeded$/).filter((l) => l.alreadyImported === false)).toHaveLength(1);

    rescuer.kill('SIGTERM');
    await exited(rescuer);
    recordFigures(FIGURES, 'sigkill', {
      rows: ROWS, lockDurationMs: lockMs, stalledIntervalMs: stalledMs, backendGoneMs: Math.round(backendGoneMs),
      pickedUpAfterKillMs: Math.round(pickedUpMs), succeededAfterKillMs: Math.round(recoveredMs),
      lists: 1, duplicates: 0, snapshotsSeen: snapshots, bull: { attemptsStarted: job?.attemptsStarted, stalledCounter: job?.stalledCounter, attemptsMade: job?.attemptsMade }, statusAttempt: final.attempt,
    });
  }, TEST_TIMEOUT_MS);

  it('SIGTERM: aborts the import at SHUTDOWN_TIMEOUT_MS and exits within a second, rolls back, and another worker finishes the job at once', async () => {
    const shutdownMs = 1_000;
    // Stall detection 30 s away: a quick hand-over can only be the shutdown's requeue.
    const env = { SHUTDOWN_TIMEOUT_MS: String(shutdownMs), LOCK_DURATION_MS: '30000', STALLED_INTERVAL_MS: '30000' };
    // 8 MB at 500 KB/s: the victim is still importing after the rescuer's start-up (seconds).
    const { jobId, victim, victimLogs, copyPid, watcher } = await startImport('sigterm', env, 500_000);
    const rescuer = spawnWorker(env);
    await waitForLog(rescuer, /"worker started"/, STARTUP_MS);
    const pickedUp = waitForLog(rescuer, /"import started"/, STARTUP_MS);
    expect((await backends(service.db.pool, service.db.name)).map((b) => b.pid)).toContain(copyPid);

    const signalledAt = performance.now();
    const signalledAtEpoch = Date.now();
    victim.kill('SIGTERM');
    const code = await exited(victim);
    const exitMs = performance.now() - signalledAt;
    const backendGoneMs = await waitForBackendGone(service.db.pool, copyPid, 15_000);
    await pickedUp;
    const pickedUpMs = performance.now() - signalledAt;
    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 120_000);
    const recoveredMs = performance.now() - signalledAt;
    const snapshots = await watcher.stop();

    const logTime = (msg: RegExp) => Number(victimLogs.find(msg)[0]?.time);
    const handledAt = logTime(/^shutting down$/);
    const abortedAt = logTime(/aborting them$/);
    const completeAt = logTime(/^shutdown complete$/);
    const timing = {
      exitAfterSignalMs: Math.round(exitMs), signalHandledAfterMs: handledAt - signalledAtEpoch,
      abortedAfterHandledMs: abortedAt - handledAt, exitAfterAbortMs: completeAt - abortedAt,
    };
    onTestFailed(() => console.log(`shutdown timing: ${JSON.stringify(timing)}`));
    // In the worker's own log times: it waited SHUTDOWN_TIMEOUT_MS for the import, then aborted
    // it and was gone at once. (Should the wall-clock bound below fail on a loaded machine, the
    // timing printed says whether the signal was handled late or the shutdown itself was slow.)
    expect(victimLogs.find(/aborting them$/), 'the import was still running at the deadline').toHaveLength(1);
    expect(abortedAt - handledAt).toBeGreaterThanOrEqual(shutdownMs - 20);
    expect(completeAt - abortedAt).toBeLessThan(1_000);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(shutdownMs + 1_000);
    expect(victimLogs.find(/job returned to the queue/)).toHaveLength(1);
    expect(victimLogs.find(/^import succeeded$/)).toHaveLength(0);
    // Handed over at once: far sooner than stall detection (30 s) could have done it.
    expect(pickedUpMs - exitMs).toBeLessThan(5_000);
    expect(final.state).toBe('succeeded');
    // A shutdown hand-over is not a failure: it uses none of the retry budget (attemptsMade
    // counts only the final completion), and the status counts the rescuer's run as the 2nd.
    const queue = openImportQueue(service);
    await queue.waitForState(jobId, 'completed');
    const job = await queue.queue.getJob(jobId);
    await queue.close();
    expect(job?.attemptsMade).toBe(1);
    expect(final.attempt).toBe(2);
    await expectOneCompleteList(service.db.pool, jobId, ROWS);
    expect(snapshots.every((s) => s.rows === 0 || s.rows === ROWS)).toBe(true);
    expect(stuck(await backends(service.db.pool, service.db.name))).toEqual([]);

    rescuer.kill('SIGTERM');
    await exited(rescuer);
    recordFigures(FIGURES, 'sigterm', {
      rows: ROWS, shutdownTimeoutMs: shutdownMs, ...timing, exitCode: code, backendGoneAfterExitMs: Math.round(backendGoneMs),
      pickedUpAfterSignalMs: Math.round(pickedUpMs), succeededAfterSignalMs: Math.round(recoveredMs),
      lists: 1, duplicates: 0, snapshotsSeen: snapshots, statusAttempt: final.attempt,
    });
  }, TEST_TIMEOUT_MS);
});
