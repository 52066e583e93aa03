/**
 * npm run bench:burst -- [--jobs 200] [--rows 20] [--workers 1,2] [--concurrency 1,2,4] [--parallel 32]
 *
 * N small imports through the real api and worker processes, for each workers × concurrency,
 * printing jobs/s and webhook → succeeded latency percentiles; the results also go to
 * bench/results/<timestamp>-burst.json with the machine's load.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runBurst } from './burst.js';
import { BENCH_RESULTS } from './env.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    rows: { type: 'string', default: '20' },
    workers: { type: 'string', default: '1,2' },
    concurrency: { type: 'string', default: '1,2,4' },
    parallel: { type: 'string', default: '32' },
  },
});
const list = (s: string) => s.split(',').map((n) => Number.parseInt(n, 10));
const configs = list(values.workers).flatMap((workers) => list(values.concurrency).map((concurrency) => ({ workers, concurrency })));
const say = (line: string) => process.stdout.write(`${line}\n`);

say(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
const results = await runBurst(
  { jobs: Number(values.jobs), rows: Number(values.rows), configs, parallelDeliveries: Number(values.parallel) },
  say,
);
const rows = results.map((r) => [
  `${r.workers} × ${r.concurrency}`, `${r.succeeded}/${r.jobs}`, r.wallSeconds.toFixed(1), r.jobsPerSecond.toFixed(1),
  String(r.latencyMs.p50), String(r.latencyMs.p90), String(r.latencyMs.p99), String(r.latencyMs.max), String(r.webhookMs.p99),
]);
const header = ['workers × conc.', 'succeeded', 'wall s', 'jobs/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'webhook p99 ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const row of [header, ...rows]) say(row.map((c, i) => c.padStart(widths[i]!)).join('  '));
say(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await mkdir(BENCH_RESULTS, { recursive: true });
const file = `${BENCH_RESULTS}${new Date().toISOString().replace(/[:.]/g, '-')}-burst.json`;
await writeFile(file, JSON.stringify({ options: values, cores: cpus().length, results }, null, 2));
say(`results: ${file}`);
