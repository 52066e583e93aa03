import type { BenchDatabase } from './database.js';
import type { Dataset } from './generate-csv.js';
import type { Measurement } from './measure.js';
import type { BenchS3 } from './s3.js';
import { runFloor } from './variant-floor.js';
import { runOurs, type LoopDelay } from './variant-ours.js';
import { runReference } from './variant-reference.js';

export const VARIANTS = ['ours', 'reference', 'floor', 'before'] as const;
/** What runs when --variants is not given; `before` needs --before. */
export const DEFAULT_VARIANTS: readonly VariantName[] = ['ours', 'reference', 'floor'];
export type VariantName = (typeof VARIANTS)[number];

/** How the worker child runs: TypeScript through tsx (no build step), or the built dist/. */
export type WorkerMode = 'tsx' | 'dist';

export interface RunContext {
  dataset: Dataset;
  s3: BenchS3;
  /** The dataset's CSV object in the bench bucket. */
  key: string;
  db: BenchDatabase;
  /** Unique per run: job id, queue prefix and log names derive from it. */
  runId: string;
  workerMode: WorkerMode;
  logDir: string;
  /** When set, the worker runs with --cpu-prof and writes its profile here (timings then suffer). */
  profileDir?: string;
  /** The `before` variant's checkout: another commit's tree with its dist/ built. */
  beforeRoot?: string;
  /** ours: import with a column plan (bench --plan). */
  plan?: boolean;
}

export interface VariantResult extends Measurement {
  variant: VariantName;
  run: number;
  rows: number;
  rowsPerSecond: number;
  /** Rows whose stored jsonb was compared with the generator's. */
  rowsCompared: number;
  /** ours only: the worker's event-loop delay during the import. */
  loopDelay?: LoopDelay;
  /** The 1-minute load average as the run started: other work on the machine shows up here. */
  loadAverage?: number;
  /** src/'s fingerprint as the run started (see src-fingerprint.ts). */
  srcFingerprint?: string;
}

const RUNNERS: Record<VariantName, (ctx: RunContext) => Promise<Omit<VariantResult, 'run'>>> = {
  ours: (ctx) => runOurs(ctx),
  reference: runReference,
  floor: runFloor,
  before: (ctx) => {
    if (!ctx.beforeRoot) throw new Error('the before variant needs --before DIR (a checkout with dist/ built)');
    return runOurs(ctx, { variant: 'before', root: ctx.beforeRoot });
  },
};

/** Runs one variant into the context's (fresh) database and verifies what it committed. */
export async function runVariant(variant: VariantName, run: number, ctx: RunContext): Promise<VariantResult> {
  return { ...(await RUNNERS[variant](ctx)), run };
}
