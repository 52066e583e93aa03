import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './database.js';
import { BENCH_TMP } from './env.js';
import { ensureDataset, estimateRowBytes } from './generate-csv.js';
import { renderTable, writeResults } from './report.js';
import { startBenchS3 } from './s3.js';
import { runVariant, type VariantResult, type WorkerMode } from './variants.js';

/**
 * npm run bench:memory -- [--large] [--columns N] [--worker tsx|dist]
 * Imports ~10 MB and ~100 MB files (and ~1 GB with --large) through the real worker path, one
 * fresh worker process each, and prints the worker's peak RSS: it should stay flat as the file
 * grows (DESIGN §10).
 */
const { values } = parseArgs({
  options: {
    large: { type: 'boolean', default: false },
    columns: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    worker: { type: 'string', default: 'tsx' },
  },
});
const MB = 1024 ** 2;
const targets = [10 * MB, 100 * MB, ...(values.large ? [1024 * MB] : [])];
const columns = Number(values.columns);
const seed = Number(values.seed);
const workerMode = values.worker as WorkerMode;
const log = (message: string) => process.stderr.write(`[bench:memory ${process.uptime().toFixed(1).padStart(6)} s] ${message}\n`);

const logDir = join(BENCH_TMP, 'logs');
await mkdir(logDir, { recursive: true });
const rowBytes = estimateRowBytes({ columns, seed });
const s3 = await startBenchS3();
const session = Date.now().toString(36);
const results: (VariantResult & { targetMb: number; csvMb: number })[] = [];
try {
  for (const target of targets) {
    const dataset = await ensureDataset({ rows: Math.round(target / rowBytes), columns, seed }, { dir: BENCH_TMP, log });
    const key = `bench-memory/${dataset.rows}x${columns}-s${seed}.csv`;
    await s3.upload(key, dataset.csvPath);
    const runId = `${session}-mem-${target / MB}`;
    const db = await createBenchDatabase(`csv_import_bench_${session}_mem_${target / MB}`);
    try {
      log(`importing ${(dataset.csvBytes / MB).toFixed(0)} MB (${dataset.rows} rows)…`);
      const result = await runVariant('ours', 1, { dataset, s3, key, db, runId, workerMode, logDir });
      results.push({ ...result, targetMb: target / MB, csvMb: dataset.csvBytes / MB });
    } finally {
      await db.drop();
    }
  }
} finally {
  await s3.stop();
}

const header = ['file MB', 'rows', 'wall s', 'rows/s', 'RSS at start MB', 'peak RSS MB', 'max loop delay ms'];
const rows = results.map((r) => [
  r.csvMb.toFixed(0), String(r.rows), r.wallSeconds.toFixed(2), Math.round(r.rowsPerSecond).toLocaleString('en-US'),
  r.startRssMb.toFixed(0), r.peakRssMb.toFixed(0), r.loopDelay ? r.loopDelay.maxMs.toFixed(0) : '-',
]);
const first = results[0]!;
const last = results[results.length - 1]!;
process.stdout.write(`\n${renderTable(header, rows)}\n`);
process.stdout.write(`\npeak RSS, largest file vs smallest: ${((last.peakRssMb / first.peakRssMb - 1) * 100).toFixed(1)}% (worker via ${workerMode})\n`);
const path = await writeResults('memory', { command: `npm run bench:memory -- ${process.argv.slice(2).join(' ')}`.trim(), workerMode, runs: results });
process.stdout.write(`results: ${path}\n`);
