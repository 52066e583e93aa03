import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import type { StatusDocument } from '../../src/shared/contract.js';
import { recordFigures } from '../helpers/figures.js';
import { expectOneCompleteList } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, waitForLog, type CapturedLogs } from '../helpers/processes.js';
import type { Fault } from '../helpers/s3-server.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const FIGURES = 'storage-faults';
const IDLE_TIMEOUT_MS = 1_000;
const MAX_FILE_SIZE = 1_000_000;
// About 600 KB: several chunks, so a fault can strike mid-body.
const ROWS = 20_000;

let service: TestService;
let worker: ChildProcess;
let logs: CapturedLogs;
beforeAll(async () => {
  service = await startService({
    inProcessWorker: false,
    workerEnv: {
      LOG_LEVEL: 'info',
      STORAGE_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
      MAX_FILE_SIZE: String(MAX_FILE_SIZE),
    },
  });
  worker = service.spawnWorker();
  logs = captureLogs(worker);
  await waitForLog(worker, /"worker started"/, 60_000);
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  if (worker) await exited(worker);
  await service?.stop();
});

/** Puts the file, sets the fault on its key, delivers the webhook and waits for the final status. */
async function importThrough(label: string, body: string, fault: Fault) {
  const jobId = uniqueJobId(label);
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, body);
  service.s3.faults.set(key, fault);
  onTestFailed(() => console.log(`worker log:\n${logs.lines().filter((l) => l.jobId === jobId).map((l) => JSON.stringify(l)).join('\n')}`));
  const started = performance.now();
  expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
  const final: StatusDocument = await service.waitForState(jobId, ['succeeded', 'failed'], 30_000);
  const finalMs = Math.round(performance.now() - started);
  const failures = logs.find(/^import failed$/).filter((l) => l.jobId === jobId);
  const { rows } = await service.db.pool.query<{ n: number }>('select count(*)::int as n from lists where job_id = $1', [jobId]);
  return { jobId, key, final, finalMs, failures: failures.map((l) => l.code), lists: rows[0]!.n };
}

describe('storage faults, from the webhook to the list', () => {
  it('500 on GET (the SDK retry fails too): retried by the queue, then one complete list', async () => {
    const r = await importThrough('s3-500', numberedCsv(ROWS), { kind: 'status', status: 500, method: 'GET', times: 2 });
    expect(r.final).toMatchObject({ state: 'succeeded', attempt: 2 });
    expect(r.failures).toEqual(['STORAGE_UNAVAILABLE']);
    await expectOneCompleteList(service.db.pool, r.jobId, ROWS);
    recordFigures(FIGURES, 'get-500', { finalState: r.final.state, attempt: r.final.attempt, failures: r.failures, lists: r.lists, finalAfterMs: r.finalMs });
  });

  it('connection reset mid-body: retried, then one complete list', async () => {
    const r = await importThrough('s3-reset', numberedCsv(ROWS), { kind: 'reset', afterBytes: 100_000, times: 1 });
    expect(r.final).toMatchObject({ state: 'succeeded', attempt: 2 });
    expect(r.failures).toEqual(['STORAGE_UNAVAILABLE']);
    await expectOneCompleteList(service.db.pool, r.jobId, ROWS);
    recordFigures(FIGURES, 'reset-mid-body', { finalState: r.final.state, attempt: r.final.attempt, failures: r.failures, lists: r.lists, finalAfterMs: r.finalMs });
  });

  it('body stalls mid-transfer: the idle timeout fails the attempt, the retry succeeds, the socket is let go', async () => {
    const r = await importThrough('s3-stall', numberedCsv(ROWS), { kind: 'stall', afterBytes: 100_000, times: 1 });
    expect(r.final).toMatchObject({ state: 'succeeded', attempt: 2 });
    expect(r.failures).toEqual(['STORAGE_STALLED']);
    await expectOneCompleteList(service.db.pool, r.jobId, ROWS);
    // The stalled response closes only when the worker gives its socket up.
    await service.s3.faults.released(r.key);
    recordFigures(FIGURES, 'stall-mid-body', {
      idleTimeoutMs: IDLE_TIMEOUT_MS, finalState: r.final.state, attempt: r.final.attempt, failures: r.failures, lists: r.lists, finalAfterMs: r.finalMs,
    });
  });

  it('the store never answers (no headers): the socket timeout fails the attempt, the retry succeeds', async () => {
    // Twice: the SDK's own second try hangs as well, so the job attempt fails.
    const r = await importThrough('s3-hang', numberedCsv(ROWS), { kind: 'hang', times: 2 });
    expect(r.final).toMatchObject({ state: 'succeeded', attempt: 2 });
    expect(r.failures).toEqual(['STORAGE_UNAVAILABLE']);
    await expectOneCompleteList(service.db.pool, r.jobId, ROWS);
    recordFigures(FIGURES, 'no-answer', { finalState: r.final.state, attempt: r.final.attempt, failures: r.failures, lists: r.lists, finalAfterMs: r.finalMs });
  });

  it('the object is deleted between HEAD and GET: FILE_NOT_FOUND at once, no list', async () => {
    const r = await importThrough('s3-deleted', numberedCsv(ROWS), { kind: 'deleteAfterHead' });
    expect(r.final).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'FILE_NOT_FOUND', retryable: false } });
    expect(r.final.error?.message).toContain(r.key);
    expect(r.lists).toBe(0);
    // Really gone from the store, not just hidden by the proxy.
    await expect(service.s3.storage.head(r.key)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    recordFigures(FIGURES, 'deleted-between-head-and-get', { finalState: r.final.state, attempt: r.final.attempt, errorCode: r.final.error?.code, lists: r.lists, finalAfterMs: r.finalMs });
  });

  it('Content-Length smaller than the body: FILE_TOO_LARGE once the counted bytes pass MAX_FILE_SIZE, no list', async () => {
    const body = numberedCsv(50_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_FILE_SIZE);
    const r = await importThrough('s3-liar', body, { kind: 'shortLength', contentLength: 1_000 });
    expect(r.final).toMatchObject({ state: 'failed', attempt: 1, error: { code: 'FILE_TOO_LARGE', retryable: false } });
    expect(r.lists).toBe(0);
    recordFigures(FIGURES, 'content-length-lies', {
      headContentLength: 1_000, bodyBytes: Buffer.byteLength(body), maxFileSize: MAX_FILE_SIZE, finalState: r.final.state, attempt: r.final.attempt,
      errorCode: r.final.error?.code, lists: r.lists, finalAfterMs: r.finalMs,
    });
  });

  it('a body that ends cleanly short of HEAD\'s size: STORAGE_SHORT_READ, retried, one complete list (never a partial one)', async () => {
    const body = numberedCsv(ROWS);
    const r = await importThrough('s3-truncated', body, { kind: 'truncate', afterBytes: 100_000, times: 1 });
    expect(r.final).toMatchObject({ state: 'succeeded', attempt: 2 });
    expect(r.failures).toEqual(['STORAGE_SHORT_READ']);
    await expectOneCompleteList(service.db.pool, r.jobId, ROWS);
    recordFigures(FIGURES, 'truncated-body', {
      headBytes: Buffer.byteLength(body), bytesSent: 100_000, finalState: r.final.state, attempt: r.final.attempt, failures: r.failures, lists: r.lists, finalAfterMs: r.finalMs,
    });
  });

  it('the object replaced between HEAD and GET: SOURCE_CHANGED, retried, and the list is the new file, whole', async () => {
    const replacement = numberedCsv(ROWS / 2);
    const r = await importThrough('s3-replaced', numberedCsv(ROWS), { kind: 'replace', method: 'HEAD', body: replacement, times: 1 });
    expect(r.final).toMatchObject({ state: 'succeeded', attempt: 2, result: { rows: ROWS / 2 } });
    expect(r.failures).toEqual(['SOURCE_CHANGED']);
    await expectOneCompleteList(service.db.pool, r.jobId, ROWS / 2);
    recordFigures(FIGURES, 'replaced-between-head-and-get', {
      finalState: r.final.state, attempt: r.final.attempt, failures: r.failures, rows: r.final.result?.rows, lists: r.lists, finalAfterMs: r.finalMs,
    });
  });
});
