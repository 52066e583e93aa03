import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase } from './database.js';
import { BENCH_TMP } from './env.js';
import { ensureDataset, type Dataset, type DatasetSpec } from './generate-csv.js';
import { startBenchS3 } from './s3.js';
import { srcFingerprint } from './src-fingerprint.js';
import { DEFAULT_VARIANTS, runVariant, type VariantName, type VariantResult, type WorkerMode } from './variants.js';

export interface BenchOptions extends DatasetSpec {
  runs: number;
  variants?: readonly VariantName[];
  workerMode?: WorkerMode;
  /** Profile the worker (--cpu-prof) into <dir>/profiles; a profiled run is slower. */
  profile?: boolean;
  /** Where the dataset and the logs go (bench/tmp by default). */
  dir?: string;
  /** The `before` variant's checkout (built). */
  beforeRoot?: string;
  /** ours imports with a column plan. */
  plan?: boolean;
  /** The typed dataset (number, date and email columns, declared): ours against its floor. */
  typed?: boolean;
  log?: (message: string) => void;
}

export interface BenchOutcome {
  dataset: Dataset;
  results: VariantResult[];
  /** The worker profiles written, with --profile. */
  profiles: string[];
}

/**
 * Generates (or reuses) the dataset, puts it in the S3 stand-in, and runs the variants
 * interleaved, A B C A B C …, each into a fresh migrated database that is dropped afterwards:
 * interleaving spreads the machine's drift (other load, thermal, cache) over all variants alike.
 */
export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const log = options.log ?? (() => undefined);
  const variants = options.variants ?? DEFAULT_VARIANTS;
  const dir = options.dir ?? BENCH_TMP;
  const logDir = join(dir, 'logs');
  await mkdir(logDir, { recursive: true });
  const profileDir = options.profile ? join(dir, 'profiles') : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const spec = { rows: options.rows, columns: options.columns, seed: options.seed, ...(options.typed ? { typed: true } : {}) };
  const dataset = await ensureDataset(spec, { dir, withCopyFile: variants.includes('floor'), log });
  log(`dataset: ${dataset.csvPath} (${(dataset.csvBytes / 1024 ** 2).toFixed(1)} MB)`);
  const s3 = await startBenchS3();
  const session = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const results: VariantResult[] = [];
  try {
    const key = `bench/${spec.rows}x${spec.columns}-s${spec.seed}${spec.typed ? '-typed' : ''}.csv`;
    await s3.upload(key, dataset.csvPath);
    for (let run = 1; run <= options.runs; run++) {
      for (const variant of variants) {
        const runId = `${session}-${run}-${variant}`;
        const db = await createBenchDatabase(`csv_import_bench_${session}_${run}_${variant}`);
        try {
          const loadAverage = loadavg()[0]!;
          const fingerprint = await srcFingerprint();
          log(`run ${run}/${options.runs}: ${variant}… (load average ${loadAverage.toFixed(2)})`);
          const result = await runVariant(variant, run, {
            dataset, s3, key, db, runId, workerMode: options.workerMode ?? 'tsx', logDir,
            ...(profileDir ? { profileDir } : {}),
            ...(options.beforeRoot ? { beforeRoot: options.beforeRoot } : {}),
            ...(options.plan ? { plan: true } : {}),
          });
          log(`run ${run}/${options.runs}: ${variant} ${result.wallSeconds.toFixed(2)} s, ${Math.round(result.rowsPerSecond)} rows/s, verified ${result.rowsCompared} rows`);
          results.push({ ...result, loadAverage, srcFingerprint: fingerprint });
        } finally {
          await db.drop();
        }
      }
    }
  } finally {
    await s3.stop();
  }
  return { dataset, results, profiles: profileDir ? await mainThreadProfiles(profileDir) : [] };
}

/** V8 names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one. */
async function mainThreadProfiles(dir: string): Promise<string[]> {
  const files = await readdir(dir, { recursive: true });
  return files.filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).map((f) => join(dir, f));
}
