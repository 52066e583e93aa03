import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_IMPORT_LIMITS } from '../src/shared/config.js';
import { CsvOptions } from '../src/shared/contract.js';
import { CsvRecords, csvParseOptions } from '../src/worker/import-csv/csv-records.js';
import { columnDefs, ensureDataset, rowCells, type DatasetSpec } from './generate-csv.js';
import { MinimalCsvParser } from './minimal-csv.js';
import { renderTable, writeResults } from './report.js';

/**
 * npm run bench:parser -- [--rows N] [--columns N] [--runs K] [--seed S] [--before DIR]
 * What parsing the bench CSV costs on its own, in this process, without S3, COPY or a database:
 * csv-parse driven the way the worker drives it, a minimal byte-level parser (bench/minimal-csv.ts)
 * as a measure of what the same records can cost, and a plain pass over the bytes as the floor
 * under both. Both parsers must give the generator's records before anything is timed. Prints
 * medians and writes every run to bench/results/<timestamp>-parser.json. `--before DIR` adds
 * `csv-parse before`: the CsvRecords of another checkout (e.g. a `git worktree` of an older
 * commit, its node_modules in place) with its own contract's defaults, in the same runs.
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    columns: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    before: { type: 'string' },
  },
});
const positive = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
};
const spec: DatasetSpec = { rows: positive('rows', values.rows), columns: positive('columns', values.columns), seed: positive('seed', values.seed) };
const runs = positive('runs', values.runs);

/** How an HTTP body arrives; the worker hands csv-parse whatever chunks the S3 stream gives it. */
const CHUNK_BYTES = 64 * 1024;

/** The worker's csv-parse options for this file: the sniffed delimiter, the contract's defaults. */
const CSV_PARSE_OPTIONS = csvParseOptions(CsvOptions.parse({}), ',', DEFAULT_IMPORT_LIMITS.MAX_RECORD_BYTES);

interface Counts {
  records: number;
  fields: number;
  /** The baseline's byte sum: used, so the loop cannot be optimised away. */
  checksum?: number;
}

type OnRecord = (record: string[]) => void;
type Parser = { write(chunk: Buffer): void; end(): void };

const parsers: Record<'csv-parse' | 'minimal', (onRecord: OnRecord) => Parser> = {
  'csv-parse': (onRecord) => new CsvRecords(CSV_PARSE_OPTIONS, onRecord),
  minimal: (onRecord) => new MinimalCsvParser(onRecord),
};

function parseAll(parser: (onRecord: OnRecord) => Parser, chunks: readonly Buffer[]): Counts {
  let records = 0;
  let fields = 0;
  const p = parser((record) => {
    records++;
    fields += record.length;
  });
  for (const chunk of chunks) p.write(chunk);
  p.end();
  return { records, fields };
}

/** The same chunks read byte by byte with nothing done: what any byte-level parser in JS pays at least. */
function touchBytes(chunks: readonly Buffer[]): Counts {
  let checksum = 0;
  for (const chunk of chunks) for (let i = 0; i < chunk.length; i++) checksum = (checksum + chunk[i]!) | 0;
  return { records: 0, fields: 0, checksum };
}

/** The worker's parser as another checkout builds it, for `--before`. */
async function parserOf(root: string): Promise<(onRecord: OnRecord) => Parser> {
  const module = (path: string) => import(pathToFileURL(join(root, path)).href);
  const { CsvRecords: Records, csvParseOptions: optionsOf } = await module('src/worker/import-csv/csv-records.ts');
  const { CsvOptions: Csv } = await module('src/shared/contract.ts');
  const options = optionsOf(Csv.parse({}), ',', DEFAULT_IMPORT_LIMITS.MAX_RECORD_BYTES);
  return (onRecord) => new Records(options, onRecord);
}
const before = values.before ? await parserOf(resolve(values.before)) : undefined;

type Variant = 'baseline' | 'csv-parse' | 'csv-parse before' | 'minimal';
const VARIANTS: Partial<Record<Variant, (chunks: readonly Buffer[]) => Counts>> = {
  baseline: touchBytes,
  'csv-parse': (chunks) => parseAll(parsers['csv-parse'], chunks),
  ...(before ? { 'csv-parse before': (chunks: readonly Buffer[]) => parseAll(before, chunks) } : {}),
  minimal: (chunks) => parseAll(parsers.minimal, chunks),
};

interface Run extends Counts {
  variant: Variant;
  run: number;
  cpuSeconds: number;
  wallSeconds: number;
  loadAverage: number;
}

/**
 * Both parsers over the whole file side by side, each record compared with the other parser's
 * and with the generator's cells as it arrives (holding a million records of both would take
 * gigabytes). Throws at the first difference.
 */
function verify(chunks: readonly Buffer[]): Counts {
  const queues = { 'csv-parse': [] as string[][], minimal: [] as string[][] };
  const running = (['csv-parse', 'minimal'] as const).map((name) => parsers[name]((record) => queues[name].push(record)));
  const header = columnDefs(spec.columns).map((d) => d.name);
  let checked = 0;
  let fields = 0;
  const compare = () => {
    const n = Math.min(queues['csv-parse'].length, queues.minimal.length);
    for (let k = 0; k < n; k++) {
      const expected = checked === 0 ? header : rowCells(spec, checked);
      const got = { 'csv-parse': queues['csv-parse'][k]!, minimal: queues.minimal[k]! };
      for (const [name, record] of Object.entries(got)) {
        if (!sameRecord(record, expected)) {
          throw new Error(`record ${checked} (0 is the header): ${name} gave ${JSON.stringify(record)}, the generator wrote ${JSON.stringify(expected)}`);
        }
      }
      checked++;
      fields += expected.length;
    }
    queues['csv-parse'].splice(0, n);
    queues.minimal.splice(0, n);
  };
  for (const chunk of chunks) {
    for (const p of running) p.write(chunk);
    compare();
  }
  for (const p of running) p.end();
  compare();
  if (queues['csv-parse'].length || queues.minimal.length || checked !== spec.rows + 1) {
    throw new Error(`record counts differ: ${checked} matched, then csv-parse ${queues['csv-parse'].length} more, minimal ${queues.minimal.length} more; the file has ${spec.rows + 1}`);
  }
  return { records: checked, fields };
}

const sameRecord = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * One timed pass. CPU is the whole process's (user + system, every thread), so the GC helper
 * threads count; a full collection first keeps one variant's garbage out of the next one's time.
 */
function timed(variant: Variant, run: number, chunks: readonly Buffer[], gc: () => void): Run {
  gc();
  const loadAverage = loadavg()[0]!;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const counts = VARIANTS[variant]!(chunks);
  const wallSeconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return { variant, run, ...counts, cpuSeconds: (used.user + used.system) / 1e6, wallSeconds, loadAverage };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function generate(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-parser-'));
  try {
    const dataset = await ensureDataset(spec, { dir, log });
    return await readFile(dataset.csvPath);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const log = (message: string) => process.stderr.write(`[bench:parser ${process.uptime().toFixed(1).padStart(6)} s] ${message}\n`);
const formatLoad = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');

const gc = globalThis.gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:parser does)');
const startedAt = new Date().toISOString();
const loadAtStart = loadavg();
const data = await generate();
const chunks: Buffer[] = [];
for (let at = 0; at < data.length; at += CHUNK_BYTES) chunks.push(data.subarray(at, at + CHUNK_BYTES));

log(`verifying both parsers against the generator over ${data.length.toLocaleString('en-US')} bytes…`);
// Also the warm-up: both parsers' code is optimised before the first timed run.
const verified = verify(chunks);
const { records } = verified;

const variants = Object.keys(VARIANTS) as Variant[];
const results: Run[] = [];
for (let run = 1; run <= runs; run++) {
  // Interleaved (A B C A B C …), so a change in the machine's load reaches every variant alike.
  for (const variant of variants) {
    const r = timed(variant, run, chunks, gc);
    if (variant !== 'baseline' && (r.records !== verified.records || r.fields !== verified.fields)) {
      throw new Error(`${variant} gave ${r.records} records, ${r.fields} fields in run ${run}; verification saw ${verified.records}, ${verified.fields}`);
    }
    log(`run ${run} ${variant}: ${r.cpuSeconds.toFixed(2)} s CPU, ${r.wallSeconds.toFixed(2)} s wall`);
    results.push(r);
  }
}
const loadAtEnd = loadavg();

const summary = variants.map((variant) => {
  const rs = results.filter((r) => r.variant === variant);
  const cpuSeconds = median(rs.map((r) => r.cpuSeconds));
  const wallSeconds = median(rs.map((r) => r.wallSeconds));
  return {
    variant,
    runs: rs.length,
    cpuSeconds,
    wallSeconds,
    recordsPerSecond: variant === 'baseline' ? undefined : records / wallSeconds,
    cpuSecondsPer1MRows: (cpuSeconds / spec.rows) * 1e6,
  };
});
const cpuOf = (v: Variant) => summary.find((s) => s.variant === v)!.cpuSeconds;
const wallOf = (v: Variant) => summary.find((s) => s.variant === v)!.wallSeconds;
const ratios = {
  cpuCsvParseOverMinimal: cpuOf('csv-parse') / cpuOf('minimal'),
  cpuAboveBaselineCsvParseOverMinimal: (cpuOf('csv-parse') - cpuOf('baseline')) / (cpuOf('minimal') - cpuOf('baseline')),
};

const header = ['variant', 'runs', 'median CPU s', 'median wall s', 'records/s', 'CPU s per 1M rows'];
const rows = summary.map((s) => [
  s.variant,
  String(s.runs),
  s.cpuSeconds.toFixed(2),
  s.wallSeconds.toFixed(2),
  s.recordsPerSecond === undefined ? '-' : Math.round(s.recordsPerSecond).toLocaleString('en-US'),
  s.cpuSecondsPer1MRows.toFixed(2),
]);
process.stdout.write(
  `\n${spec.rows.toLocaleString('en-US')} rows × ${spec.columns} columns, ${(data.length / 1024 ** 2).toFixed(1)} MB CSV in ${chunks.length.toLocaleString('en-US')} chunks of ${CHUNK_BYTES / 1024} KiB, ${runs} runs each; both parsers gave the generator's ${records.toLocaleString('en-US')} records (header included)\n\n`,
);
process.stdout.write(`${renderTable(header, rows)}\n\n`);
process.stdout.write(`csv-parse/minimal: ${ratios.cpuCsvParseOverMinimal.toFixed(2)}× the CPU (${ratios.cpuAboveBaselineCsvParseOverMinimal.toFixed(2)}× above the baseline's)\n`);
if (before) process.stdout.write(`csv-parse/csv-parse before: ${(cpuOf('csv-parse') / cpuOf('csv-parse before')).toFixed(3)}× the CPU, ${(wallOf('csv-parse') / wallOf('csv-parse before')).toFixed(3)}× the wall time\n`);
process.stdout.write(`load average (1, 5, 15 min) at start: ${formatLoad(loadAtStart)}; at end: ${formatLoad(loadAtEnd)} (on ${cpus().length} cores)\n`);
const path = await writeResults('parser', {
  command: `npm run bench:parser -- ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt,
  finishedAt: new Date().toISOString(),
  dataset: { ...spec, csvBytes: data.length },
  chunkBytes: CHUNK_BYTES,
  csvParseOptions: CSV_PARSE_OPTIONS,
  loadAverage: { start: loadAtStart, end: loadAtEnd },
  summary,
  ratios,
  runs: results,
});
process.stdout.write(`results: ${path}\n`);
