import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis as UpstashRedis } from '@upstash/redis';
import { statusKey, type StatusDocument } from '../src/shared/contract.js';
import { startS3Server, type S3TestServer } from '../test/helpers/s3-server.js';
import { signQstash } from '../test/helpers/sign-qstash.js';
import { startUpstashServer, type UpstashTestServer } from '../test/helpers/upstash-server.js';
import { waitForLog } from '../test/helpers/processes.js';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { BENCH_REDIS_URL, REPO_ROOT, childEnv } from './env.js';

export interface BurstOptions {
  /** Imports per configuration. */
  jobs: number;
  /** Data rows in each file. */
  rows: number;
  /** Each entry is one configuration: this many worker processes × WORKER_CONCURRENCY. */
  configs: Array<{ workers: number; concurrency: number }>;
  /** Webhook deliveries in flight at once (QStash delivers in parallel). */
  parallelDeliveries: number;
}

export interface BurstResult {
  workers: number;
  concurrency: number;
  jobs: number;
  succeeded: number;
  /** From the first webhook sent to the last status document that says succeeded. */
  wallSeconds: number;
  jobsPerSecond: number;
  /** Webhook sent → status `succeeded` (its finishedAt), per job, in ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Webhook sent → 202 answered, in ms. */
  webhookMs: { p50: number; p99: number };
}

const API_ENTRY = `${REPO_ROOT}src/api/main.ts`;
const WORKER_ENTRY = `${REPO_ROOT}src/worker/main.ts`;
const SIGNING_KEY = `burst_current_${randomBytes(8).toString('hex')}`;

/**
 * Many small imports through the real processes (DESIGN §14, OPERATIONS.md): the api and worker
 * entry points as child processes, each configuration on a queue of its own; the S3 and Upstash
 * stand-ins in this process, PostgreSQL and Redis real. What it measures is the per-job cost the
 * row count hides in one large import: webhook, enqueue, status writes, HEAD/GET, one transaction.
 */
export async function runBurst(options: BurstOptions, say: (line: string) => void = () => undefined): Promise<BurstResult[]> {
  // A name of its own: a smoke test and a manual run must not drop each other's database.
  const db = await createBenchDatabase(`csv_import_burst_${randomBytes(3).toString('hex')}`);
  const s3 = await startS3Server();
  const token = `burst_${randomBytes(8).toString('hex')}`;
  const upstash = await startUpstashServer({ redisUrl: BENCH_REDIS_URL, token });
  const status = new UpstashRedis({ url: upstash.url, token, enableTelemetry: false });
  const children = new Set<ChildProcess>();
  try {
    const results: BurstResult[] = [];
    for (const config of options.configs) {
      const env = serviceEnv(db, s3, upstash, token, config.concurrency);
      const api = await startProcess(API_ENTRY, env, /"api listening"/, children);
      const port = (JSON.parse(api.line) as { port: number }).port;
      const workers = await Promise.all(
        Array.from({ length: config.workers }, () => startProcess(WORKER_ENTRY, env, /"worker started"/, children)),
      );
      say(`${config.workers} worker(s) × concurrency ${config.concurrency}: ${options.jobs} imports of ${options.rows} rows`);
      results.push(await burstOnce(options, config, `http://127.0.0.1:${port}/qstash/import`, s3, status));
      for (const p of [api, ...workers]) await stopProcess(p.child);
    }
    return results;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await upstash.stop();
    await s3.stop();
    await db.drop();
  }
}

async function burstOnce(
  options: BurstOptions,
  config: { workers: number; concurrency: number },
  url: string,
  s3: S3TestServer,
  status: UpstashRedis,
): Promise<BurstResult> {
  const run = randomBytes(4).toString('hex');
  const jobIds = Array.from({ length: options.jobs }, (_, i) => `burst-${run}-${i}`);
  const csv = smallCsv(options.rows);
  for (const jobId of jobIds) await s3.storage.put(`uploads/${jobId}.csv`, csv);

  const sentAt = new Map<string, number>();
  const webhookMs: number[] = [];
  let next = 0;
  const deliver = async () => {
    for (let i = next++; i < jobIds.length; i = next++) {
      const jobId = jobIds[i]!;
      const body = JSON.stringify({ jobId, source: { key: `uploads/${jobId}.csv` }, list: { name: `burst ${jobId}` } });
      const started = Date.now();
      sentAt.set(jobId, started);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: SIGNING_KEY, url, body }) },
        body,
      });
      if (res.status !== 202) throw new Error(`webhook for ${jobId} answered ${res.status}: ${await res.text()}`);
      webhookMs.push(Date.now() - started);
    }
  };
  await Promise.all(Array.from({ length: options.parallelDeliveries }, deliver));

  const finals = await waitForFinals(status, jobIds, 60_000 + options.jobs * 500);
  const succeeded = finals.filter((d) => d.state === 'succeeded');
  const latencies = succeeded.map((d) => Date.parse(d.finishedAt!) - sentAt.get(d.jobId)!);
  const first = Math.min(...sentAt.values());
  const last = Math.max(...succeeded.map((d) => Date.parse(d.finishedAt!)));
  const wallSeconds = (last - first) / 1000;
  return {
    ...config,
    jobs: options.jobs,
    succeeded: succeeded.length,
    wallSeconds,
    jobsPerSecond: succeeded.length / wallSeconds,
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: Math.max(...latencies) },
    webhookMs: { p50: percentile(webhookMs, 50), p99: percentile(webhookMs, 99) },
  };
}

/** Polls the status documents, as the main app would, until every job is final. */
async function waitForFinals(status: UpstashRedis, jobIds: string[], timeoutMs: number): Promise<StatusDocument[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const docs = await status.mget<(StatusDocument | null)[]>(...jobIds.map((jobId) => statusKey(jobId)));
    const final = docs.filter((d): d is StatusDocument => d?.state === 'succeeded' || d?.state === 'failed');
    if (final.length === jobIds.length) return final;
    if (Date.now() > deadline) throw new Error(`${jobIds.length - final.length} of ${jobIds.length} imports not final after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function serviceEnv(db: BenchDatabase, s3: S3TestServer, upstash: UpstashTestServer, token: string, concurrency: number): NodeJS.ProcessEnv {
  return childEnv({
    ...s3.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: '0',
    DATABASE_URL: db.url,
    REDIS_URL: BENCH_REDIS_URL,
    QUEUE_PREFIX: `{burst-${randomBytes(4).toString('hex')}}`,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    QSTASH_CURRENT_SIGNING_KEY: SIGNING_KEY,
    QSTASH_NEXT_SIGNING_KEY: `burst_next_${randomBytes(8).toString('hex')}`,
    WORKER_CONCURRENCY: String(concurrency),
    PG_POOL_MAX: String(concurrency + 1),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

async function startProcess(entry: string, env: NodeJS.ProcessEnv, ready: RegExp, children: Set<ChildProcess>) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'inherit'], cwd: REPO_ROOT });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const line = await waitForLog(child, ready, 60_000);
  // Its log lines are not read from here on, but the pipe must drain or the child blocks on it.
  child.stdout!.resume();
  return { child, line };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function smallCsv(rows: number): string {
  const lines = ['id,email,name,city'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},user${i}@example.com,User ${i},City ${i % 17}`);
  return `${lines.join('\n')}\n`;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
