import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { summariseProfile } from './profile-summary.js';
import { datasetInfo, formatWarnings, formatTable, ratios, summarise, writeResults } from './report.js';
import { DEFAULT_VARIANTS, VARIANTS, type VariantName, type WorkerMode } from './variants.js';

/**
 * npm run bench -- [--rows N] [--columns N] [--runs K] [--seed S] [--variants ours,reference,floor]
 *                  [--worker tsx|dist] [--profile] [--before DIR] [--plan] [--types]
 * `--before DIR` adds the variant `before`: the worker of another checkout (DIR, with dist/ built,
 * e.g. a `git worktree` of an older commit), interleaved with ours in the same run. `--plan` has
 * ours import with a 10-column plan (aliases, keys, notEmpty on 5); `before` would refuse it.
 * `--types` then runs ours and the floor once more on the typed file (number, date and email
 * columns, declared; its floor is the same typed rows pre-rendered), in the same invocation, so
 * the typed ours/floor stands beside the untyped one.
 * Prints a table of medians and the ratios, and writes every run to bench/results/<timestamp>.json.
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    columns: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    variants: { type: 'string' },
    worker: { type: 'string', default: 'tsx' },
    profile: { type: 'boolean', default: false },
    before: { type: 'string' },
    plan: { type: 'boolean', default: false },
    types: { type: 'boolean', default: false },
  },
});

const positive = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
};
const variants = (values.variants ?? [...DEFAULT_VARIANTS, ...(values.before ? ['before'] : [])].join(',')).split(',').map((v) => {
  if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant ${v}; choose from ${VARIANTS.join(', ')}`);
  return v as VariantName;
});
if (values.worker !== 'tsx' && values.worker !== 'dist') throw new Error('--worker must be tsx or dist (run npm run build first)');

const options = {
  rows: positive('rows', values.rows),
  columns: positive('columns', values.columns),
  runs: positive('runs', values.runs),
  seed: positive('seed', values.seed),
  variants,
  workerMode: values.worker as WorkerMode,
  profile: values.profile,
  plan: values.plan,
  ...(values.before ? { beforeRoot: resolve(values.before) } : {}),
  log: (message: string) => process.stderr.write(`[bench ${(process.uptime()).toFixed(1).padStart(6)} s] ${message}\n`),
};
const startedAt = new Date().toISOString();
const untyped = await runBench(options);
const typed = values.types ? await runBench({ ...options, typed: true, variants: variants.filter((v) => v === 'ours' || v === 'floor'), plan: false }) : undefined;
const profiles = [...untyped.profiles, ...(typed?.profiles ?? [])];
const sections = [untyped, ...(typed ? [typed] : [])].map(({ dataset, results }) => {
  const summary = summarise(results);
  const title = `${dataset.rows.toLocaleString('en-US')} rows × ${dataset.columns} columns${dataset.typed ? ', typed (number, date, email declared)' : ''}, ${(dataset.csvBytes / 1024 ** 2).toFixed(1)} MB CSV, ${options.runs} runs each (worker via ${options.workerMode})`;
  process.stdout.write(`\n${title}\n\n${formatTable(summary)}\n${formatWarnings(results)}\n`);
  return { dataset: datasetInfo(dataset), summary, ratios: ratios(summary), runs: results };
});
const [main, typedSection] = sections;
const path = await writeResults('', {
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt,
  finishedAt: new Date().toISOString(),
  workerMode: options.workerMode,
  ...main!,
  ...(typedSection ? { typed: typedSection } : {}),
});
process.stdout.write(`\nresults: ${path}\n`);
for (const profile of profiles) process.stdout.write(`\nworker profile ${profile}\n${await summariseProfile(profile)}\n`);
