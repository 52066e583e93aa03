import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { TEST_PG_URL } from '../helpers/env.js';
import { recordFigures } from '../helpers/figures.js';
import { backends, expectOneCompleteList, stuck, waitForCopy, watchJobRows } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, waitForLog, type CapturedLogs } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const FIGURES = 'postgres-faults';
// Long enough (a few seconds) to be caught mid-COPY, small enough to keep the file quick.
const ROWS = 60_000;
const PG_POOL_MAX = 4;

let service: TestService;
let worker: ChildProcess | undefined;
let proxy: TcpProxy | undefined;
beforeAll(async () => {
  service = await startService({
    inProcessWorker: false,
    // Enough attempts (backoff 100 ms doubling: 25 s in all) to outlast the outage below.
    env: { JOB_ATTEMPTS: '9' },
    workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '2', PG_POOL_MAX: String(PG_POOL_MAX) },
  });
});
afterEach(async () => {
  worker?.kill('SIGTERM');
  if (worker) await exited(worker);
  worker = undefined;
  await proxy?.stop();
  proxy = undefined;
});
afterAll(async () => {
  await service?.stop();
});

async function startWorker(env: Record<string, string> = {}): Promise<CapturedLogs> {
  worker = service.spawnWorker(env);
  const logs = captureLogs(worker);
  onTestFailed(() => console.log(`worker log:\n${logs.lines().slice(-40).map((l) => JSON.stringify(l)).join('\n')}`));
  await waitForLog(worker, /"worker started"/, 60_000);
  return logs;
}

async function deliverFile(label: string, rows: number): Promise<string> {
  const jobId = uniqueJobId(label);
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, numberedCsv(rows));
  expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
  return jobId;
}

/** The import's connection string through the proxy: same server, user and database. */
function proxiedUrl(port: number): string {
  const url = new URL(TEST_PG_URL);
  url.port = String(port);
  url.pathname = `/${service.db.name}`;
  return url.toString();
}

describe('PostgreSQL faults', () => {
  it('a backend terminated mid-COPY is a transient failure: retried, one complete list, no leaked connections', async () => {
    const logs = await startWorker();
    const jobId = await deliverFile('pg-terminated', ROWS);
    const pid = await waitForCopy(service.db.pool, service.db.name);
    const watcher = watchJobRows(service.db.pool, jobId);
    const { rows } = await service.db.pool.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [pid]);
    expect(rows[0]?.ok).toBe(true);
    const terminatedAt = performance.now();

    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 60_000);
    const recoveredMs = performance.now() - terminatedAt;
    expect(final).toMatchObject({ state: 'succeeded', attempt: 2 });
    await expectOneCompleteList(service.db.pool, jobId, ROWS);
    expect((await watcher.stop()).every((s) => s.rows === 0 || s.rows === ROWS)).toBe(true);
    const failures = logs.find(/^import failed$/);
    expect(failures.map((l) => [l.code, l.willRetry])).toEqual([['DATABASE_UNAVAILABLE', true]]);

    // The pool is healthy afterwards: the next jobs go through, and nothing is left mid-transaction.
    const next = await Promise.all(Array.from({ length: 5 }, (_, i) => deliverFile(`pg-after-${i}`, 1_000 + i)));
    const finals = await Promise.all(next.map((id) => service.waitForState(id, ['succeeded', 'failed'], 30_000)));
    expect(finals.map((s) => s.state)).toEqual(next.map(() => 'succeeded'));
    for (const [i, id] of next.entries()) await expectOneCompleteList(service.db.pool, id, 1_000 + i);
    const sessions = await backends(service.db.pool, service.db.name);
    expect(stuck(sessions)).toEqual([]);
    // Besides this test's own pool (less the session running the query, which is not listed),
    // only the worker's pool is connected: a leaked client would push past PG_POOL_MAX.
    const workerSessions = sessions.length - (service.db.pool.totalCount - 1);
    expect(workerSessions).toBeLessThanOrEqual(PG_POOL_MAX);

    recordFigures(FIGURES, 'backend-terminated', {
      rows: ROWS, recoveredAfterTerminateMs: Math.round(recoveredMs), attempt: final.attempt, errorCode: failures[0]?.code,
      nextJobsSucceeded: finals.length, stuckSessions: 0, workerSessionsAfter: workerSessions, lists: 1, duplicates: 0,
    });
  });

  it('PostgreSQL unreachable when the job starts: retrying, then succeeded once it answers again', async () => {
    proxy = await startTcpProxy({ host: new URL(TEST_PG_URL).hostname, port: Number(new URL(TEST_PG_URL).port || 5432) }, 'refuse');
    const logs = await startWorker({ DATABASE_URL: proxiedUrl(proxy.port) });
    const jobId = await deliverFile('pg-down', 2_000);

    const retrying = await service.waitForState(jobId, ['retrying', 'succeeded', 'failed'], 20_000);
    expect(retrying).toMatchObject({ state: 'retrying', error: { code: 'DATABASE_UNAVAILABLE', retryable: true } });
    // Down a little longer: more attempts fail the same way, none gives up.
    await new Promise((r) => setTimeout(r, 1_000));
    await proxy.setMode('forward');
    const backAt = performance.now();
    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 30_000);
    const recoveredMs = performance.now() - backAt;

    expect(final.state).toBe('succeeded');
    expect(final.attempt).toBeGreaterThanOrEqual(2);
    await expectOneCompleteList(service.db.pool, jobId, 2_000);
    const failures = logs.find(/^import failed$/);
    expect(failures.length).toBe(final.attempt - 1);
    expect(new Set(failures.map((l) => l.code))).toEqual(new Set(['DATABASE_UNAVAILABLE']));
    recordFigures(FIGURES, 'unreachable-at-start', {
      failedAttempts: failures.length, finalAttempt: final.attempt, succeededAfterBackMs: Math.round(recoveredMs), lists: 1, duplicates: 0,
    });
  });

  it('PostgreSQL gone silent mid-COPY (its answers lost, no reset): the import gives up waiting, retried, one complete list', async () => {
    const timeoutMs = 2_000;
    proxy = await startTcpProxy({ host: new URL(TEST_PG_URL).hostname, port: Number(new URL(TEST_PG_URL).port || 5432) });
    const logs = await startWorker({ DATABASE_URL: proxiedUrl(proxy.port), PG_STALL_TIMEOUT_MS: String(timeoutMs) });
    const jobId = await deliverFile('pg-silent', ROWS);
    await waitForCopy(service.db.pool, service.db.name);
    // Rows still reach the server; nothing it says reaches the worker, and no socket breaks.
    proxy.dropReplies(() => true);
    const silentAt = performance.now();
    const failed = await waitForLog(worker!, /"import failed"/, 30_000);
    const failedAfterMs = performance.now() - silentAt;
    proxy.forwardReplies();

    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 60_000);
    expect(final).toMatchObject({ state: 'succeeded', attempt: 2 });
    await expectOneCompleteList(service.db.pool, jobId, ROWS);
    expect(logs.find(/^import failed$/).map((l) => l.code)).toEqual(['DATABASE_UNAVAILABLE']);
    expect(failed).toContain('stopped answering');
    // Not before the timeout, and not long after it: the worker gave up on its own.
    expect(failedAfterMs).toBeGreaterThan(timeoutMs - 1_500);
    expect(failedAfterMs).toBeLessThan(timeoutMs + 10_000);
    await expect.poll(async () => stuck(await backends(service.db.pool, service.db.name)), { timeout: 10_000 }).toEqual([]);
    recordFigures(FIGURES, 'silent', {
      rows: ROWS, stallTimeoutMs: timeoutMs, failedAfterSilenceMs: Math.round(failedAfterMs), attempt: final.attempt, lists: 1, duplicates: 0,
    });
  });

  it('the connection cut mid-COPY (network drop): retried, one complete list', async () => {
    proxy = await startTcpProxy({ host: new URL(TEST_PG_URL).hostname, port: Number(new URL(TEST_PG_URL).port || 5432) });
    const logs = await startWorker({ DATABASE_URL: proxiedUrl(proxy.port) });
    const jobId = await deliverFile('pg-cut', ROWS);
    await waitForCopy(service.db.pool, service.db.name);
    proxy.cutConnections();
    const cutAt = performance.now();

    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 60_000);
    const recoveredMs = performance.now() - cutAt;
    expect(final).toMatchObject({ state: 'succeeded', attempt: 2 });
    await expectOneCompleteList(service.db.pool, jobId, ROWS);
    expect(logs.find(/^import failed$/).map((l) => l.code)).toEqual(['DATABASE_UNAVAILABLE']);
    // The server side of the cut connection is gone too: nothing holds the aborted transaction.
    await expect.poll(async () => stuck(await backends(service.db.pool, service.db.name)), { timeout: 10_000 }).toEqual([]);
    recordFigures(FIGURES, 'connection-cut', { rows: ROWS, recoveredAfterCutMs: Math.round(recoveredMs), attempt: final.attempt, lists: 1, duplicates: 0 });
  });

  // Outside COPY: the statement runs on the server, its answer never comes back, no socket breaks.
  it.each([
    { at: 'BEGIN', name: 'begin', sent: /BEGIN/, committed: false },
    { at: 'the list insert', name: 'list-insert', sent: /insert into "lists"/, committed: false },
    { at: 'the finish (columns, counts, result)', name: 'finish', sent: /insert into "list_columns"/, committed: false },
    // The server commits; the worker never hears so. The retry finds the list.
    { at: 'COMMIT', name: 'commit', sent: /COMMIT/, committed: true },
  ])('PostgreSQL gone silent at $at: the attempt fails within PG_STALL_TIMEOUT_MS, is retried, one complete list', async ({ name, sent, committed }) => {
    const timeoutMs = 1_500;
    const rows = 2_000;
    proxy = await startTcpProxy({ host: new URL(TEST_PG_URL).hostname, port: Number(new URL(TEST_PG_URL).port || 5432) });
    const logs = await startWorker({ DATABASE_URL: proxiedUrl(proxy.port), PG_STALL_TIMEOUT_MS: String(timeoutMs) });
    proxy.silenceNext((s) => sent.test(s));
    const jobId = await deliverFile('pg-silent-at', rows);
    await waitForLog(worker!, /"import failed"/, 30_000);

    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 60_000);
    expect(final).toMatchObject({ state: 'succeeded', attempt: 2, result: { rows, alreadyImported: committed } });
    await expectOneCompleteList(service.db.pool, jobId, rows);
    const [failure] = logs.find(/^import failed$/);
    expect(failure).toMatchObject({ code: 'DATABASE_UNAVAILABLE', willRetry: true });
    expect(JSON.stringify(failure?.err)).toContain('stopped answering');
    const [started] = logs.find(/^import started$/);
    const failedAfterStartMs = Number(failure?.time) - Number(started?.time);
    // Not before the bound, and not long after it: the worker gave up on its own.
    expect(failedAfterStartMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(failedAfterStartMs).toBeLessThan(timeoutMs + 10_000);
    // The silent connection was thrown away, its transaction with it.
    await expect.poll(async () => stuck(await backends(service.db.pool, service.db.name)), { timeout: 10_000 }).toEqual([]);
    recordFigures(FIGURES, `silent-at-${name}`, {
      rows, stallTimeoutMs: timeoutMs, failedAfterImportStartMs: failedAfterStartMs, attempt: final.attempt,
      alreadyImported: final.result?.alreadyImported, lists: 1, duplicates: 0,
    });
  });
});
