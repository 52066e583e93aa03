import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { recordFigures } from '../helpers/figures.js';
import { expectOneCompleteList, waitForCopy } from '../helpers/list-invariants.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, waitForLog } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const ROWS = 60_000;
const LOCK_MS = 3_000;
/** How long the worker waits for Redis to confirm the job's lock before it commits (processor.ts). */
const LOCK_CHECK_TIMEOUT_MS = 5_000;

let proxy: TcpProxy;
let service: TestService;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  const redis = new URL(TEST_REDIS_URL);
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  // Upstash (the status mirror) stays reachable: only BullMQ's Redis goes quiet.
  service = await startService({ inProcessWorker: false });
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  if (worker) await exited(worker);
  await service?.stop();
  await proxy?.stop();
});

describe('the BullMQ Redis stops answering mid-import (no reset)', () => {
  it('the attempt ends within a bounded time without committing, and the job is imported once Redis is back', async () => {
    worker = service.spawnWorker({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, LOG_LEVEL: 'info', LOCK_DURATION_MS: String(LOCK_MS), STALLED_INTERVAL_MS: '1000' });
    const logs = captureLogs(worker);
    onTestFailed(() => console.log(logs.lines().slice(-30).map((l) => JSON.stringify(l).slice(0, 400)).join('\n')));
    await waitForLog(worker, /"worker started"/, 60_000);
    const jobId = uniqueJobId('redis-silent');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, numberedCsv(ROWS));
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    await waitForCopy(service.db.pool, service.db.name);

    // Redis still runs every command the worker sends; no answer reaches it, no socket breaks.
    proxy.dropReplies(() => true);
    const silentAt = performance.now();
    const failed = JSON.parse(await waitForLog(worker, /"import failed"/, 60_000)) as Record<string, unknown>;
    const failedAfterMs = performance.now() - silentAt;
    expect(failed).toMatchObject({ code: 'QUEUE_UNAVAILABLE', willRetry: true });
    // It could not confirm it still owned the job, so it rolled back rather than commit.
    const { rows } = await service.db.pool.query<{ n: number }>('select count(*)::int as n from lists where job_id = $1', [jobId]);
    expect(rows[0]!.n).toBe(0);
    expect(await service.status(jobId)).toMatchObject({ state: 'retrying', attempt: 1, error: { code: 'QUEUE_UNAVAILABLE', retryable: true } });
    expect(failedAfterMs).toBeGreaterThan(LOCK_CHECK_TIMEOUT_MS - 500);
    expect(failedAfterMs).toBeLessThan(LOCK_CHECK_TIMEOUT_MS + 20_000);

    // The silence ends the way a partition does: the connections break, the worker reconnects.
    proxy.cutConnections();
    proxy.forwardReplies();
    const backAt = performance.now();
    const final = await service.waitForState(jobId, ['succeeded', 'failed'], 60_000);
    const recoveredMs = performance.now() - backAt;
    expect(final.state).toBe('succeeded');
    expect(final.attempt).toBeGreaterThanOrEqual(2);
    await expectOneCompleteList(service.db.pool, jobId, ROWS);
    recordFigures('redis-silent', 'silent-mid-import', {
      rows: ROWS, lockDurationMs: LOCK_MS, lockCheckTimeoutMs: LOCK_CHECK_TIMEOUT_MS, failedAfterSilenceMs: Math.round(failedAfterMs),
      errorCode: failed.code, succeededAfterRedisBackMs: Math.round(recoveredMs), attempt: final.attempt, lists: 1, duplicates: 0,
    });
  });
});
