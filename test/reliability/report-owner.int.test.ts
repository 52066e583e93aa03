import { buffer } from 'node:stream/consumers';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { recordFigures } from '../helpers/figures.js';
import { captureLogs, killAfterEach, waitForLog, type CapturedLogs } from '../helpers/processes.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const STARTUP_MS = 60_000;
const ROWS = 40_000;
/** Every this many rows one has a fourth cell: an invalid row, left out and reported. */
const INVALID_EVERY = 1_000;

let service: TestService;
beforeAll(async () => {
  service = await startService({ inProcessWorker: false, workerEnv: { LOG_LEVEL: 'info', STALLED_INTERVAL_MS: '1000' } });
});
const track = killAfterEach();
afterAll(async () => {
  await service?.stop();
});

function spawnWorker(label: string, env: Record<string, string>): { child: ChildProcess; logs: CapturedLogs } {
  const child = track(service.spawnWorker(env));
  const logs = captureLogs(child);
  onTestFailed(() => console.log(`${label} log:\n${logs.lines().map((l) => JSON.stringify(l).slice(0, 400)).join('\n')}`));
  return { child, logs };
}

function csvWithInvalidRows(): string {
  const lines = ['n,label,email'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${i},"row ${i}",user${i}@example.com${i % INVALID_EVERY === 1 ? ',extra' : ''}`);
  return `${lines.join('\n')}\n`;
}

describe('the rejected-rows report of a job two runs worked on', () => {
  it('stays when a dry run that lost its lock gives its own report up after the run holding the job wrote one', async () => {
    const jobId = uniqueJobId('report-owner');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, csvWithInvalidRows());
    // The first run's download is slow, so it is mid-file, its report open, when it freezes.
    service.s3.faults.set(key, { kind: 'throttle', bytesPerSecond: 100_000, times: 1 });
    const first = spawnWorker('first', { LOCK_DURATION_MS: '4000', STORAGE_IDLE_TIMEOUT_MS: '60000' });
    await waitForLog(first.child, /"worker started"/, STARTUP_MS);
    expect((await service.deliver(importRequest(jobId, key, { dryRun: true, invalidRows: 'skip' }))).status).toBe(202);
    await expect.poll(async () => (await service.status(jobId))?.progress.rows ?? 0, { timeout: 30_000, interval: 50 }).toBeGreaterThan(INVALID_EVERY);

    // Frozen (a blocked event loop, a paused VM): its lock lapses and a stall check hands the job on.
    first.child.kill('SIGSTOP');
    const second = spawnWorker('second', { LOCK_DURATION_MS: '30000' });
    await waitForLog(second.child, /"worker started"/, STARTUP_MS);
    const final = await service.waitForState(jobId, ['succeeded', 'failed', 'cancelled'], 60_000);
    expect(final).toMatchObject({ state: 'succeeded', result: { dryRun: true, rows: ROWS - ROWS / INVALID_EVERY, rejectedRows: { rows: ROWS / INVALID_EVERY } } });
    const reportKey = final.result!.rejectedRows!.key;

    // The first run wakes, finds its lock gone, and gives up what it wrote.
    first.child.kill('SIGCONT');
    await waitForLog(first.child, /"lost the job lock/, 30_000);
    await new Promise((r) => setTimeout(r, 500));

    const report = (await buffer((await service.s3.storage.open(reportKey)).stream)).toString('utf8');
    const lines = report.trimEnd().split('\r\n');
    expect(lines[0]).toBe('\ufeffn,label,email,row,line,error');
    expect(lines).toHaveLength(1 + ROWS / INVALID_EVERY);
    expect(lines[1]).toMatch(/^1,row 1,user1@example\.com,1,2,/);
    // Each run wrote under a key of its own; those that lost the job removed theirs.
    expect(reportKey).toBe(`rejected/${jobId}.attempt-${final.attempt}.csv`);
    for (let attempt = 1; attempt < final.attempt; attempt++) {
      await expect(service.s3.storage.head(`rejected/${jobId}.attempt-${attempt}.csv`)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    }
    expect((await service.status(jobId))?.result?.rejectedRows?.key).toBe(reportKey);
    recordFigures('report-owner', 'dry run that lost its lock', { rows: ROWS, reportRows: lines.length - 1, finalAttempt: final.attempt });
  });
});
