import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './database.js';
import { BENCH_TMP, REPO_ROOT, childEnv } from './env.js';
import { renderTable, writeResults } from './report.js';
import { ensureWorkbook } from './workbook/generate-workbook.js';

/**
 * npm run bench:workbook -- [--rows 100000,300000] [--python /usr/bin/python3]
 * Reads one 8-column workbook per row count with each reader, one fresh process each, and prints
 * rows/s and peak RSS (GNU time's maximum resident set size): ours into PostgreSQL (the real
 * import-file command, one transaction), ours reading only, and the peers on the same file
 * (SheetJS reading it whole, ExcelJS's streaming reader, openpyxl's read-only mode). Every Node
 * reader runs as plain JavaScript under `node` (ours built first, `npm run build`): a TypeScript
 * loader would add its own memory and start-up to every figure.
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000,300000' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const log = (message: string) => process.stderr.write(`[bench:workbook ${process.uptime().toFixed(1).padStart(6)} s] ${message}\n`);
const node = (script: string) => [process.execPath, script];
const here = (file: string) => join(REPO_ROOT, 'bench', 'workbook', file);

interface Measured {
  reader: string;
  rows: number;
  wallSeconds: number;
  peakRssMb: number;
}

/** Runs a command under GNU time; its last stderr line is `elapsed-seconds max-rss-kb`. */
function measure(command: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; wallSeconds: number; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', ...command], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stderr.trim().split('\n').at(-1) ?? '';
      const m = /^([\d.]+) (\d+)$/.exec(last);
      if (code !== 0 || !m) return reject(new Error(`${command.join(' ')} failed (${code}): ${stderr.slice(-2000)}`));
      resolve({ stdout, wallSeconds: Number(m[1]), peakRssMb: Number(m[2]) / 1024 });
    });
  });
}

const rowsRead = (stdout: string) => (JSON.parse(stdout.trim().split('\n').at(-1)!) as { rows: number }).rows;

log('building (npm run build)…');
execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
const session = Date.now().toString(36);
const results: (Measured & { sheetRows: number })[] = [];
for (const sheetRows of values.rows.split(',').map(Number)) {
  const path = await ensureWorkbook(sheetRows, join(BENCH_TMP, 'workbooks'));
  log(`${path}: ${sheetRows} rows`);
  const db = await createBenchDatabase(`csv_import_bench_${session}_wb_${sheetRows}`);
  try {
    const readers: [string, string[], NodeJS.ProcessEnv][] = [
      ['ours, into PostgreSQL', [...node('dist/worker/import-file.js'), path, '--name', 'bench'], childEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' })],
      ['ours, reading only', [...node(here('ours-reader.mjs')), path], childEnv({})],
      ['SheetJS (xlsx 0.18.5), whole file', [...node(here('peer-sheetjs.mjs')), path], childEnv({})],
      ['ExcelJS 4.4 streaming reader', [...node(here('peer-exceljs.mjs')), path], childEnv({})],
      ['openpyxl read-only', [values.python, here('peer_openpyxl.py'), path], childEnv({})],
    ];
    for (const [reader, command, env] of readers) {
      log(`${reader}…`);
      const run = await measure(command, env);
      results.push({ reader, sheetRows, rows: rowsRead(run.stdout), wallSeconds: run.wallSeconds, peakRssMb: run.peakRssMb });
    }
  } finally {
    await db.drop();
  }
}

const sheetjs = (n: number) => results.find((r) => r.sheetRows === n && r.reader.startsWith('SheetJS'))!;
const header = ['sheet rows', 'reader', 'rows read', 'wall s', 'rows/s', 'peak RSS MB', 'rows/s vs SheetJS', 'RSS vs SheetJS'];
const table = results.map((r) => {
  const peer = sheetjs(r.sheetRows);
  const rate = r.rows / r.wallSeconds;
  return [
    String(r.sheetRows), r.reader, String(r.rows), r.wallSeconds.toFixed(2), Math.round(rate).toLocaleString('en-US'),
    r.peakRssMb.toFixed(0), `${(rate / (peer.rows / peer.wallSeconds)).toFixed(2)}×`, `${(r.peakRssMb / peer.peakRssMb).toFixed(2)}×`,
  ];
});
process.stdout.write(`${renderTable(header, table)}\n`);
log(`results: ${await writeResults('workbook', { results })}`);
