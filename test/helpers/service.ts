import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Redis as UpstashRedis } from '@upstash/redis';
import { createApi, type Api } from '../../src/api/create-api.js';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import { loadApiConfig, loadWorkerConfig, type WorkerConfig } from '../../src/shared/config.js';
import { statusKey, type ImportRequestInput, type StatusDocument } from '../../src/shared/contract.js';
import { createLogger } from '../../src/shared/logger.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/worker/runtime.js';
import { TEST_REDIS_URL } from './env.js';
import { startS3Server, type S3TestServer } from './s3-server.js';
import { signQstash } from './sign-qstash.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { startUpstashServer, type UpstashTestServer } from './upstash-server.js';

export const CURRENT_KEY = 'sig_test_current_4kXq9w';
export const NEXT_KEY = 'sig_test_next_7pLm2z';
const WORKER_ENTRY = new URL('../../src/worker/main.ts', import.meta.url).pathname;

export interface ServiceOptions {
  /** Extra env for the api and the workers (strings, as a process would see them). */
  env?: Record<string, string>;
  apiEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** Start one worker in this process (default true). Child processes are started with spawnWorker. */
  inProcessWorker?: boolean;
  redisUrl?: string;
}

export interface TestService {
  db: TestDatabase;
  s3: S3TestServer;
  upstash: UpstashTestServer;
  /** Reads status documents through the real @upstash/redis client. */
  statusClient: UpstashRedis;
  baseUrl: string;
  webhookUrl: string;
  /** The URL deliveries are signed for: PUBLIC_URL's when set. */
  signedUrl: string;
  env: Record<string, string>;
  worker?: WorkerRuntime;
  api: Api;
  deliver(payload: unknown, options?: DeliverOptions): Promise<Response>;
  status(jobId: string): Promise<StatusDocument | null>;
  waitForState(jobId: string, states: StatusDocument['state'][], timeoutMs?: number): Promise<StatusDocument>;
  spawnWorker(env?: Record<string, string>): ChildProcess;
  stop(): Promise<void>;
}

export interface DeliverOptions {
  signature?: string | null;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * The whole service on one machine: a fresh database, the S3 and Upstash stand-ins, the api on
 * port 0 and (by default) one worker in this process, on a queue prefix of its own.
 */
export async function startService(options: ServiceOptions = {}): Promise<TestService> {
  const db = await createTestDatabase();
  const s3 = await startS3Server();
  const token = `upstash_${randomBytes(8).toString('hex')}`;
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const upstash = await startUpstashServer({ redisUrl, token });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `{test-${randomBytes(6).toString('hex')}}`,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    QSTASH_CURRENT_SIGNING_KEY: CURRENT_KEY,
    QSTASH_NEXT_SIGNING_KEY: NEXT_KEY,
    JOB_BACKOFF_MS: '100',
    ...s3.env,
    ...options.env,
  };
  const log = createLogger({ LOG_LEVEL: 'silent' }, 'api');
  const api = createApi(loadApiConfig({ ...env, ...options.apiEnv }), log);
  const server = await listen(api);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const webhookUrl = `${baseUrl}${QSTASH_IMPORT_PATH}`;
  // Behind a proxy QStash signs the public address, not the one the api listens on.
  const publicUrl = options.apiEnv?.PUBLIC_URL ?? env.PUBLIC_URL;
  const signedUrl = publicUrl ? `${publicUrl.replace(/\/$/, '')}${QSTASH_IMPORT_PATH}` : webhookUrl;
  const workerConfig: WorkerConfig = loadWorkerConfig({ ...env, ...options.workerEnv });
  const worker =
    options.inProcessWorker === false ? undefined : await startWorkerRuntime(workerConfig, createLogger({ LOG_LEVEL: 'silent' }, 'worker'));
  const statusClient = new UpstashRedis({ url: upstash.url, token, enableTelemetry: false });
  const children = new Set<ChildProcess>();

  const service: TestService = {
    db, s3, upstash, statusClient, baseUrl, webhookUrl, signedUrl, env, worker, api,
    async deliver(payload, opts = {}) {
      const body = opts.body ?? JSON.stringify(payload);
      const signature = opts.signature === undefined ? signQstash({ key: CURRENT_KEY, url: signedUrl, body }) : opts.signature;
      return fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature ? { 'upstash-signature': signature } : {}), ...opts.headers },
        body,
      });
    },
    status: (jobId) => statusClient.get<StatusDocument>(statusKey(jobId)),
    async waitForState(jobId, states, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: StatusDocument | null = null;
      while (Date.now() < deadline) {
        last = await service.status(jobId);
        if (last && states.includes(last.state)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job ${jobId} did not reach ${states.join('|')} within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
    },
    spawnWorker(extraEnv = {}) {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
        env: { ...process.env, ...env, ...options.workerEnv, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    async stop() {
      for (const child of children) child.kill('SIGKILL');
      await worker?.stop(1_000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await api.close();
      await upstash.stop();
      await s3.stop();
      await db.drop();
    },
  };
  return service;
}

function listen(api: Api): Promise<Server> {
  return new Promise((resolve) => {
    const server = api.app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** A valid webhook payload for a file already in the bucket. */
export function importRequest(jobId: string, key: string, extra: Partial<ImportRequestInput> = {}): ImportRequestInput {
  return { jobId, source: { key }, list: { name: `list ${jobId}` }, ...extra };
}

export const uniqueJobId = (label = 'job') => `${label}-${randomBytes(6).toString('hex')}`;
