import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { statusKey, type StatusDocument } from '../../src/shared/contract.js';
import { STATUS_REQUEST_TIMEOUT_MS } from '../../src/shared/status/status-store.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { recordFigures } from '../helpers/figures.js';
import { openImportQueue } from '../helpers/import-queue.js';
import { expectOneCompleteList } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, waitForLog, type CapturedLogs } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const FIGURES = 'upstash-outage';
const ROWS = 5_000;

let service: TestService;
let redis: Redis;
let worker: ChildProcess;
let logs: CapturedLogs;
beforeAll(async () => {
  service = await startService({ inProcessWorker: false, workerEnv: { LOG_LEVEL: 'info' } });
  // The stand-in keeps its documents in this Redis: read them around it while it is "down".
  redis = new Redis(TEST_REDIS_URL);
  worker = service.spawnWorker();
  logs = captureLogs(worker);
  await waitForLog(worker, /"worker started"/, 60_000);
});
afterAll(async () => {
  await service?.upstash.setMode('ok');
  worker?.kill('SIGTERM');
  if (worker) await exited(worker);
  redis?.disconnect();
  await service?.stop();
});

async function stored(jobId: string): Promise<StatusDocument | undefined> {
  const raw = await redis.get(statusKey(jobId));
  return raw ? (JSON.parse(raw) as StatusDocument) : undefined;
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Puts a file and delivers its webhook; returns how long the api took to answer. */
async function deliverFile(label: string) {
  const jobId = uniqueJobId(label);
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, numberedCsv(ROWS));
  onTestFailed(() => console.log(`worker log:\n${logs.lines().filter((l) => !l.jobId || l.jobId === jobId).map((l) => JSON.stringify(l)).join('\n')}`));
  const deliveredAt = performance.now();
  const res = await service.deliver(importRequest(jobId, key));
  return { jobId, status: res.status, deliveredAt, webhookMs: Math.round(performance.now() - deliveredAt) };
}

/** The truth says done: the list is committed, complete (PostgreSQL), whatever the mirror says. */
async function waitForImported(jobId: string): Promise<number> {
  const started = performance.now();
  await until(
    `the list of ${jobId}`,
    async () => (await service.db.pool.query('select 1 from lists where job_id = $1', [jobId])).rowCount,
    (n) => n === 1,
  );
  await expectOneCompleteList(service.db.pool, jobId, ROWS);
  return performance.now() - started;
}

/** BullMQ completes the job once the status reporter is done trying (it awaits the final write). */
async function waitForCompleted(jobId: string): Promise<void> {
  const queue = openImportQueue(service);
  try {
    await queue.waitForState(jobId, 'completed', 30_000);
  } finally {
    await queue.close();
  }
}

describe('the Upstash status mirror down or slow', () => {
  it('slow (1.5 s an answer): the import succeeds and its final state lands', async () => {
    await service.upstash.setMode({ delayMs: 1_500 });
    const d = await deliverFile('upstash-slow');
    expect(d.status).toBe(202);
    await waitForImported(d.jobId);
    const final = await until('succeeded status', () => stored(d.jobId), (s) => s?.state === 'succeeded');
    await service.upstash.setMode('ok');
    expect(final?.result?.rows).toBe(ROWS);
    recordFigures(FIGURES, 'slow', { upstashDelayMs: 1_500, webhookMs: d.webhookMs, finalState: final?.state, lists: 1, duplicates: 0 });
  });

  it('not answering at all: the import still finishes, within the status writes\' timeouts', async () => {
    // Accepts connections and never answers (a hung proxy or load balancer).
    await service.upstash.setMode('hang');
    const d = await deliverFile('upstash-hang');
    expect(d.status).toBe(202);
    // Each mirror write gives up after STATUS_REQUEST_TIMEOUT_MS, so the webhook answers and the
    // import runs; the job completes once the final write's retries are spent.
    expect(d.webhookMs).toBeLessThan(STATUS_REQUEST_TIMEOUT_MS + 2_000);
    const importedMs = await waitForImported(d.jobId);
    expect(logs.find(/could not write running status/).filter((l) => l.jobId === d.jobId)).toHaveLength(1);
    await waitForCompleted(d.jobId);
    const completedMs = Math.round(performance.now() - d.deliveredAt);
    // The worker's log reaches this process through a pipe, and may trail what Redis already says.
    const finalLine = await until(
      'the final-status log line',
      async () => logs.find(/could not write the final job status/).filter((l) => l.jobId === d.jobId),
      (lines) => lines.length > 0,
      10_000,
    );
    expect(finalLine).toHaveLength(1);
    await service.upstash.setMode('ok');
    recordFigures(FIGURES, 'no-answer', {
      webhookMs: d.webhookMs, listCommittedAfterDeliveryMs: Math.round(importedMs), jobCompletedAfterDeliveryMs: completedMs, lists: 1, duplicates: 0,
    });
  });

  it('down, then back within the final write\'s retries: the import succeeds and the final state lands', async () => {
    await service.upstash.setMode('refuse');
    const d = await deliverFile('upstash-down');
    expect(d.status).toBe(202);
    await waitForImported(d.jobId);
    expect(await stored(d.jobId)).toBeUndefined();
    await service.upstash.setMode('ok');
    const backAt = performance.now();
    const final = await until('succeeded status', () => stored(d.jobId), (s) => s?.state === 'succeeded', 15_000);
    expect(final?.result?.rows).toBe(ROWS);
    recordFigures(FIGURES, 'down-then-back', {
      webhookMs: d.webhookMs, finalStateLandedAfterBackMs: Math.round(performance.now() - backAt), lists: 1, duplicates: 0,
    });
  });

  it('down for good: the import succeeds and the worker logs loudly that the final status was not written', async () => {
    await service.upstash.setMode('refuse');
    const d = await deliverFile('upstash-gone');
    expect(d.status).toBe(202);
    await waitForImported(d.jobId);
    const loud = await until(
      'the loud log line',
      async () => logs.find(/could not write the final job status/).filter((l) => l.jobId === d.jobId),
      (lines) => lines.length > 0,
      20_000,
    );
    expect(loud[0]).toMatchObject({ level: 50, state: 'succeeded' });
    await waitForCompleted(d.jobId);
    expect(await stored(d.jobId)).toBeUndefined();
    await service.upstash.setMode('ok');
    recordFigures(FIGURES, 'down-for-good', { loudLine: loud[0]?.msg, level: loud[0]?.level, lists: 1, duplicates: 0 });
  });
});
