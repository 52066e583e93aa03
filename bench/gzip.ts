import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip, gzipSync } from 'node:zlib';
import { createBenchDatabase } from './database.js';
import { BENCH_TMP, REPO_ROOT, childEnv } from './env.js';
import { ensureDataset } from './generate-csv.js';
import { cpuSeconds, memoryStats } from './proc-stats.js';
import { renderTable, writeResults } from './report.js';

/**
 * npm run bench:gzip -- [--rows N] [--runs K]
 * In one run, through the import-file command (the worker's engine, one fresh process per import):
 * the bench's CSV and the same file gzipped, interleaved, for the cost of inflating; then a gzip
 * bomb (2.6 MB of `1,2` rows inflating to 2.5 GiB), for how soon it fails (against a one-row
 * file's import: the process's start) and its peak RSS against the plain import's (DESIGN §5.6).
 */
const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, runs: { type: 'string', default: '3' } } });
const rows = Number(values.rows);
const runs = Number(values.runs);
const MiB = 1024 * 1024;
const log = (message: string) => process.stderr.write(`[bench:gzip ${process.uptime().toFixed(1).padStart(6)} s] ${message}\n`);

const dataset = await ensureDataset({ rows, columns: 10, seed: 1 }, { dir: BENCH_TMP, log });
const gzPath = `${dataset.csvPath}.gz`;
if (!existsSync(gzPath)) await pipeline(createReadStream(dataset.csvPath), createGzip(), createWriteStream(gzPath));
const bombPath = join(BENCH_TMP, 'bomb-2.5GiB.csv.gz');
if (!existsSync(bombPath)) {
  const member = gzipSync(Buffer.alloc(64 * MiB, '1,2\n'), { level: 9 });
  await writeFile(bombPath, Buffer.concat([gzipSync('a,b\n'), ...Array.from({ length: 40 }, () => member)]));
}

const onePath = join(BENCH_TMP, 'one-row.csv');
await writeFile(onePath, 'a,b\n1,2\n');

interface Run {
  file: string;
  wallSeconds: number;
  peakRssMb: number;
  /** The process's CPU (user + system), which load on a shared machine does not inflate as it does wall time. */
  cpuSeconds: number;
  outcome: string;
}

/** One import in a process of its own; its peak RSS is read from /proc while it runs. */
async function importOnce(label: string, path: string, databaseUrl: string): Promise<Run> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/import-file.ts', path], {
    cwd: REPO_ROOT,
    env: childEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let peak = 0;
  let cpu = 0;
  const poll = setInterval(() => {
    cpu = cpuSeconds(child.pid!) ?? cpu;
    // NaN once the process has exited and /proc no longer holds its memory.
    const now = memoryStats(child.pid!)?.peakRssMb;
    if (now !== undefined && Number.isFinite(now)) peak = Math.max(peak, now);
  }, 20);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  const line = JSON.parse(out.trim().split('\n').at(-1)!) as { rows?: number; error?: { code: string } };
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { file: label, wallSeconds, peakRssMb: peak, cpuSeconds: cpu, outcome: line.error ? line.error.code : `${line.rows} rows` };
}

const db = await createBenchDatabase(`csv_import_bench_gzip_${Date.now().toString(36)}`);
const results: Run[] = [];
try {
  for (let run = 1; run <= runs; run++) {
    for (const [label, path] of [['plain', dataset.csvPath], ['gzip', gzPath]] as const) {
      log(`run ${run}: ${label}`);
      results.push(await importOnce(label, path, db.url));
    }
  }
  // What starting a process, migrating and importing one row cost: the bomb's own cost is the rest.
  log('a one-row file');
  results.push(await importOnce('one row', onePath, db.url));
  log('the gzip bomb');
  results.push(await importOnce('bomb', bombPath, db.url));
} finally {
  await db.drop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const of = (file: string) => results.filter((r) => r.file === file);
const sizes = { plain: (await stat(dataset.csvPath)).size, gzip: (await stat(gzPath)).size, 'one row': 8, bomb: (await stat(bombPath)).size };
const table = (['plain', 'gzip', 'one row', 'bomb'] as const).map((file) => [
  file, (sizes[file] / MiB).toFixed(1), String(of(file).length), median(of(file).map((r) => r.wallSeconds)).toFixed(2),
  median(of(file).map((r) => r.cpuSeconds)).toFixed(2), median(of(file).map((r) => r.peakRssMb)).toFixed(0), of(file)[0]!.outcome,
]);
process.stdout.write(`\n${renderTable(['file', 'stored MiB', 'runs', 'median wall s', 'median CPU s', 'median peak RSS MB', 'outcome'], table)}\n`);
const plainWall = median(of('plain').map((r) => r.wallSeconds));
process.stdout.write(`gzip / plain: wall ${(median(of('gzip').map((r) => r.wallSeconds)) / plainWall).toFixed(3)}, CPU ${(median(of('gzip').map((r) => r.cpuSeconds)) / median(of('plain').map((r) => r.cpuSeconds))).toFixed(3)}\n`);
process.stdout.write(`bomb - one-row file: wall ${(of('bomb')[0]!.wallSeconds - of('one row')[0]!.wallSeconds).toFixed(2)} s, CPU ${(of('bomb')[0]!.cpuSeconds - of('one row')[0]!.cpuSeconds).toFixed(2)} s\n`);
process.stdout.write(`bomb peak RSS - plain peak RSS: ${(of('bomb')[0]!.peakRssMb - median(of('plain').map((r) => r.peakRssMb))).toFixed(1)} MB\n`);
const path = await writeResults('gzip', { command: `npm run bench:gzip -- ${process.argv.slice(2).join(' ')}`.trim(), rows, runs: results });
process.stdout.write(`results: ${path}\n`);
