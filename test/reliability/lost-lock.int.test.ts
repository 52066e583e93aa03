import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import type { StatusDocument } from '../../src/shared/contract.js';
import { recordFigures } from '../helpers/figures.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { backends, expectOneCompleteList, stuck } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, killAfterEach, waitForLog, type CapturedLogs } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const STARTUP_MS = 60_000;
const ROWS = 10_000;
const LOCK_MS = 2_000;
const STALLED_MS = 1_000;
// Long enough for the first run, let go on again, to commit and delete the file before the
// second run's HEAD comes back: the order that failed a committed job before.
const HEAD_DELAY_MS = 6_000;

let service: TestService;
beforeAll(async () => {
  service = await startService({ inProcessWorker: false, workerEnv: { LOG_LEVEL: 'info', STALLED_INTERVAL_MS: String(STALLED_MS) } });
});
const track = killAfterEach();
afterAll(async () => {
  await service?.stop();
});

function spawnWorker(label: string, env: Record<string, string>): { child: ChildProcess; logs: CapturedLogs } {
  const child = service.spawnWorker(env);
  track(child);
  const logs = captureLogs(child);
  onTestFailed(() => console.log(`${label} log:\n${logs.lines().map((l) => JSON.stringify(l).slice(0, 400)).join('\n')}`));
  return { child, logs };
}

/** Every state the status document shows, until stop(). */
function watchStates(jobId: string) {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const state = (await service.status(jobId))?.state ?? 'none';
      if (seen.at(-1) !== state) seen.push(state);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

describe('a worker that loses the job lock mid-import', () => {
  it('two runs of one job with delete-after-import: the job ends succeeded with its list, never failed with a committed list', async () => {
    const jobId = uniqueJobId('lost-lock');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, numberedCsv(ROWS));
    // The first run's download is slow, so it is mid-import when it freezes.
    service.s3.faults.set(key, { kind: 'throttle', bytesPerSecond: 150_000, times: 1 });
    // Its download's idle timer outlasts the freeze: it wakes with its import intact, as it would
    // after a shorter freeze or a slower stall check.
    const first = spawnWorker('first', { LOCK_DURATION_MS: String(LOCK_MS), STORAGE_IDLE_TIMEOUT_MS: '30000' });
    await waitForLog(first.child, /"worker started"/, STARTUP_MS);
    const requestsBefore = service.s3.faults.hits(key);
    // Listening before the delivery: the worker can log the start before the webhook answers.
    const started = waitForLog(first.child, /"import started"/, 30_000);
    expect((await service.deliver(importRequest(jobId, key, { deleteSourceAfterImport: true }))).status).toBe(202);
    await started;
    await expect.poll(() => service.s3.faults.hits(key) - requestsBefore, { timeout: 10_000 }).toBe(2);
    const states = watchStates(jobId);

    // Frozen (a blocked event loop, a paused VM): its lock lapses and a stall check hands the job on.
    first.child.kill('SIGSTOP');
    const frozenAt = performance.now();
    service.s3.faults.set(key, { kind: 'delay', method: 'HEAD', ms: HEAD_DELAY_MS, times: 1 });
    const second = spawnWorker('second', { LOCK_DURATION_MS: '30000' });
    await waitForLog(second.child, /"import started"/, STARTUP_MS);
    const handedOverMs = performance.now() - frozenAt;
    // The first run wakes while the second waits for its HEAD.
    first.child.kill('SIGCONT');
    const wokeAt = Date.now();
    // BullMQ's verdict first: a status written by one run may still be overwritten by the other's.
    const queue = openImportQueue(service);
    let bullState = '';
    try {
      await expect.poll(async () => (bullState = await queue.state(jobId)), { timeout: 60_000, interval: 50 }).toMatch(/^(completed|failed)$/);
    } finally {
      await queue.close();
    }
    const final: StatusDocument = await service.waitForState(jobId, ['succeeded', 'failed'], 10_000);
    const seen = await states.stop();

    expect(final).toMatchObject({ state: 'succeeded', attempt: 2, result: { rows: ROWS, alreadyImported: false } });
    expect(seen).not.toContain('failed');
    expect(bullState).toBe('completed');
    await expectOneCompleteList(service.db.pool, jobId, ROWS);
    // The run that lost the lock stopped at once, committed nothing, deleted nothing and wrote no final status.
    const [lostLine] = first.logs.find(/^lost the job lock/) as Array<{ time: number; attempt: number; err?: { code?: string } }>;
    expect(lostLine).toMatchObject({ attempt: 1 });
    expect(first.logs.find(/^import (succeeded|failed)$/)).toHaveLength(0);
    expect(second.logs.find(/^import succeeded$/).map((l) => l.alreadyImported)).toEqual([false]);
    // The lock holder deleted the source, once it had committed.
    await expect(service.s3.storage.head(key)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const again = openImportQueue(service);
    try {
      expect((await again.queue.getJob(jobId))?.stalledCounter).toBe(1);
    } finally {
      await again.close();
    }
    expect(stuck(await backends(service.db.pool, service.db.name))).toEqual([]);
    recordFigures('lost-lock', 'two-runs-delete-after-import', {
      rows: ROWS, lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_MS, headDelayMs: HEAD_DELAY_MS, handedOverAfterFreezeMs: Math.round(handedOverMs),
      firstRunStoppedAfterWakeMs: lostLine!.time - wokeAt, firstRunStoppedBy: lostLine!.err?.code,
      statesSeen: seen, finalState: final.state, attempt: final.attempt, lists: 1, sourceDeletedBy: 'second run',
    });
  });
});
