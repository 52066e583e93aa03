import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ImportRequest, statusKey } from '../src/shared/contract.js';
import { createImportQueue, importJobOptions, JOB, QUEUE, type ImportJobData } from '../src/shared/queues.js';
import { failOnExit, spawnChild, type Child } from './child.js';
import { BENCH_REDIS_URL, REPO_ROOT, childEnv } from './env.js';
import { measure, resultOf } from './measure.js';
import type { RunContext, VariantName, VariantResult } from './variants.js';
import { verifyList } from './verify.js';
import { column } from './columns.js';

export interface LoopDelay {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
}

const IMPORT_TIMEOUT_MS = 60 * 60_000;
const LOOP_MONITOR = pathToFileURL(join(REPO_ROOT, 'bench/loop-monitor.mjs')).href;

/** Whose worker runs: this checkout's, or (the `before` variant) another checkout's built dist/. */
export interface WorkerUnderTest {
  variant: VariantName;
  root: string;
}

/**
 * The real path: a job added to BullMQ (a queue prefix of its own), taken by a worker child
 * process (src/worker/main.ts as deployed, started fresh so its peak RSS is this import's), read
 * from S3, committed as a list. Timed from `queue.add` to `completed`.
 */
export async function runOurs(ctx: RunContext, under: WorkerUnderTest = { variant: 'ours', root: REPO_ROOT }): Promise<Omit<VariantResult, 'run'>> {
  const prefix = `{csv-import-bench-${ctx.runId}}`;
  const jobId = `bench-ours-${ctx.runId}`;
  const loopFile = join(ctx.logDir, `${ctx.runId}-loop.json`);
  const connection = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createImportQueue(connection, prefix);
  // BullMQ never closes a connection it was given, so both are quit here at the end.
  const eventsConnection = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: null });
  const events = new QueueEvents(QUEUE.importCsv, { connection: eventsConnection, prefix });
  const worker = spawnWorker(ctx, prefix, loopFile, under);
  try {
    await worker.waitForLine((line) => line.includes('"msg":"worker started"'), 60_000);
    await events.waitUntilReady();
    // Lets the worker's BullMQ connections settle, so start-up work is not charged to the import.
    await new Promise((r) => setTimeout(r, 500));
    worker.process.kill('SIGUSR2');
    const m = await measure(worker.pid, ctx.db.name, async () => {
      const job = await queue.add(JOB.importCsv, jobData(jobId, ctx), { ...importJobOptions(1, 1_000), jobId });
      await Promise.race([job.waitUntilFinished(events, IMPORT_TIMEOUT_MS), failOnExit(worker, 'the worker')]);
    });
    await worker.stop();
    const loopDelay = await readLoopDelay(loopFile);
    const verified = await verifyList(ctx.db.url, jobId, ctx.dataset);
    return { ...resultOf(under.variant, m, verified), ...(loopDelay ? { loopDelay } : {}) };
  } finally {
    await worker.stop();
    await events.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await connection.del(statusKey(jobId));
    await connection.quit();
    eventsConnection.disconnect();
  }
}

function spawnWorker(ctx: RunContext, prefix: string, loopFile: string, under: WorkerUnderTest): Child {
  // Another checkout runs built: its tsx and node_modules are its own business.
  const dist = ctx.workerMode === 'dist' || under.root !== REPO_ROOT;
  const entry = dist ? 'dist/worker/main.js' : 'src/worker/main.ts';
  const env = childEnv({
    ...ctx.s3.env,
    DATABASE_URL: ctx.db.url,
    REDIS_URL: BENCH_REDIS_URL,
    QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: '1',
    JOB_ATTEMPTS: '1',
    // The default 200 MiB limit would refuse the 1M-row file and the memory bench's 1 GB one.
    MAX_FILE_SIZE: String(16 * 1024 ** 3),
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    // Status goes to the BullMQ Redis, never to an Upstash a developer may have configured.
    UPSTASH_REDIS_REST_URL: '',
    UPSTASH_REDIS_REST_TOKEN: '',
    // tsx only for the TypeScript entry: its loader runs a thread of its own, which a dist/
    // worker (what production runs) must not pay for in the RSS figures.
    NODE_OPTIONS: [
      dist ? `--import ${LOOP_MONITOR}` : `--import tsx --import ${LOOP_MONITOR}`,
      // V8 flags to try on the worker (e.g. --max-semi-space-size=8), as a Procfile would set them.
      process.env.BENCH_WORKER_NODE_OPTIONS ?? '',
    ].join(' '),
    BENCH_LOOP_DELAY_FILE: loopFile,
  });
  // --cpu-prof is refused in NODE_OPTIONS, so it goes on the command line. Not --cpu-prof-name:
  // the loader-hooks thread (tsx) writes a profile too and would overwrite the main thread's.
  const profile = ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(ctx.profileDir, ctx.runId)}`] : [];
  return spawnChild(process.execPath, [...profile, entry], { env, cwd: under.root, logPath: join(ctx.logDir, `${ctx.runId}-worker.log`) });
}

function jobData(jobId: string, ctx: RunContext): ImportJobData {
  const body = {
    jobId, source: { key: ctx.key }, list: { name: `bench ${ctx.runId}` },
    ...(ctx.plan ? { columns: benchPlan(ctx.dataset.columns) } : {}),
    ...(ctx.dataset.typed ? { columns: typedPlan(ctx.dataset) } : {}),
  };
  // Checked as the api checks a webhook body, but sent as given: the worker parses it again and
  // fills the same defaults, and the `before` variant's worker (an older contract, refusing
  // fields it does not know, such as new defaulted ones) reads the very same job.
  ImportRequest.parse(body);
  return { request: body as ImportRequest, deliveryId: `bench-${ctx.runId}`, queuedAt: new Date().toISOString() };
}

/**
 * `--plan`: an entry per column, matched by an upper-cased name (case folding), with two aliases,
 * keyed as the header's slug (so the stored rows verify as without a plan), and `notEmpty` on
 * five columns the generator never leaves empty.
 */
function benchPlan(columns: number) {
  const notEmpty = new Set([0, 1, 4, 5, 6]);
  return Array.from({ length: columns }, (_, i) => {
    const { name, key } = column(i);
    return { name: name.toUpperCase(), aliases: [`${name} (old)`, `Legacy ${name}`], key, notEmpty: notEmpty.has(i % 10) };
  });
}

/** `--types`: the number, date and email columns declared, with no format (`.` decimal, ISO dates). */
function typedPlan(dataset: RunContext['dataset']) {
  return dataset.columnDefs.flatMap((c) => (c.type === 'string' || c.type === 'json' ? [] : [{ name: c.name, type: c.type }]));
}

async function readLoopDelay(path: string): Promise<LoopDelay | undefined> {
  try {
    const { maxMs, p99Ms, meanMs } = JSON.parse(await readFile(path, 'utf8')) as LoopDelay;
    return { maxMs, p99Ms, meanMs };
  } catch {
    return undefined;
  }
}
