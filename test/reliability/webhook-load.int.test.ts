import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import { spawnApi, type ApiProcess } from '../helpers/api-process.js';
import { recordFigures } from '../helpers/figures.js';
import { numberedCsv } from '../helpers/numbered-csv.js';
import { captureLogs, exited, waitForLog } from '../helpers/processes.js';
import { CURRENT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';
import { signQstash } from '../helpers/sign-qstash.js';

// Real processes on a shared CI machine: bounded, but not by the 60 s meant for in-process tests.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const FIGURES = 'webhook-load';
const JOBS = 60;
const COPIES = 5;
const IN_FLIGHT = 20;
// Both api processes stand behind one public address, as behind a load balancer; QStash signs that.
const PUBLIC_URL = 'https://imports.example.test';

let service: TestService;
const apis: ApiProcess[] = [];
const workers: ChildProcess[] = [];
beforeAll(async () => {
  service = await startService({ inProcessWorker: false, workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '2' } });
  const env = { ...service.env, PUBLIC_URL };
  const started = await Promise.all([spawnApi(env), spawnApi(env)]);
  apis.push(...started);
  for (const api of apis) captureLogs(api.child);
  workers.push(service.spawnWorker(), service.spawnWorker());
  for (const worker of workers) captureLogs(worker);
  await Promise.all(workers.map((w) => waitForLog(w, /"worker started"/, 60_000)));
});
afterAll(async () => {
  for (const child of [...apis.map((a) => a.child), ...workers]) child.kill('SIGTERM');
  await Promise.all([...apis.map((a) => exited(a.child)), ...workers.map(exited)]);
  await service?.stop();
});

/** The same shuffle every run (a small LCG), so duplicates of a job land close together or not, alike. */
function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe('webhook load on two api processes and two workers', () => {
  it(`${JOBS * COPIES} deliveries of ${JOBS} jobs, ${IN_FLIGHT} in flight: ${JOBS} complete lists, every status final`, async () => {
    const jobs = Array.from({ length: JOBS }, (_, i) => ({ jobId: uniqueJobId(`load-${i}`), rows: 200 + 37 * i }));
    await Promise.all(jobs.map((j) => service.s3.storage.put(`uploads/${j.jobId}.csv`, numberedCsv(j.rows))));
    const queue = shuffled(jobs.flatMap((job) => Array.from({ length: COPIES }, () => job)));

    const results: Array<{ jobId: string; status: number; ms: number }> = [];
    let next = 0;
    const deliverOne = async (i: number) => {
      const job = queue[i]!;
      const body = JSON.stringify(importRequest(job.jobId, `uploads/${job.jobId}.csv`));
      const signature = signQstash({ key: CURRENT_KEY, url: `${PUBLIC_URL}${QSTASH_IMPORT_PATH}`, body });
      const api = apis[i % apis.length]!;
      const started = performance.now();
      const res = await fetch(`${api.baseUrl}${QSTASH_IMPORT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'upstash-signature': signature, 'upstash-message-id': `msg-${i}` },
        body,
      });
      await res.arrayBuffer();
      results.push({ jobId: job.jobId, status: res.status, ms: performance.now() - started });
    };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < queue.length) await deliverOne(next++);
      }),
    );
    const deliveryMs = performance.now() - started;

    // Exactly one delivery per job was the one that queued it; every other one saw it there.
    const statuses = results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    expect(statuses).toEqual({ 202: JOBS, 200: JOBS * (COPIES - 1) });
    for (const job of jobs) expect(results.filter((r) => r.jobId === job.jobId && r.status === 202), job.jobId).toHaveLength(1);

    const ids = jobs.map((j) => j.jobId);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const docs = await Promise.all(ids.map((id) => service.status(id)));
      if (docs.every((d) => d?.state === 'succeeded' || d?.state === 'failed')) {
        expect(docs.map((d) => d?.state)).toEqual(ids.map(() => 'succeeded'));
        break;
      }
      if (Date.now() > deadline) throw new Error(`not all final: ${JSON.stringify(docs.map((d) => d?.state))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const importedMs = performance.now() - started;

    const { rows } = await service.db.pool.query<{ job_id: string; row_count: number; stored: number; distinct: number }>(
      `select l.job_id, l.row_count,
              (select count(*)::int from list_rows r where r.list_id = l.id) as stored,
              (select count(distinct r.row_number)::int from list_rows r where r.list_id = l.id) as distinct
         from lists l where l.job_id = any($1)`,
      [ids],
    );
    expect(rows).toHaveLength(JOBS);
    const expected = new Map(jobs.map((j) => [j.jobId, j.rows]));
    for (const row of rows) expect(row, row.job_id).toEqual({ ...row, row_count: expected.get(row.job_id), stored: expected.get(row.job_id), distinct: expected.get(row.job_id) });

    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const figures = {
      deliveries: results.length, jobs: JOBS, inFlight: IN_FLIGHT, apiProcesses: apis.length, workerProcesses: workers.length,
      accepted202: statuses[202], duplicates200: statuses[200], lists: rows.length, duplicateLists: 0,
      deliveryPhaseMs: Math.round(deliveryMs), deliveriesPerSecond: Math.round((results.length / deliveryMs) * 1000),
      latencyMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1)!) },
      allSucceededAfterMs: Math.round(importedMs), rowsImported: rows.reduce((n, r) => n + r.row_count, 0),
    };
    recordFigures(FIGURES, 'two-apis-two-workers', figures);
  });
});
