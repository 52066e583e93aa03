/**
 * `npm run dev`: the whole flow on one machine, beside the PostgreSQL and Redis it finds
 * (DATABASE_URL, REDIS_URL; by default the local ones and a `csv_import_dev` database, created
 * if missing). Migrates the database; starts the S3, QStash and Upstash REST stand-ins the tests
 * trust, each as a process, unless the environment or a .env names the real service; starts the
 * api and a worker, each restarted when a source file changes; writes the app's settings to
 * .dev/app.env and prints them; then a line beginning `ready`. Ctrl-C (SIGINT or SIGTERM to the
 * process group, or to this process alone) stops all of it within 10 s.
 */
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { loadDevConfig, loadOrExit } from '../src/shared/config.js';
import { ensureDatabase } from '../src/shared/db/ensure-database.js';
import { runMigrations } from '../src/shared/db/migrate.js';
import { formatAppEnv, writeAppEnv, type AppEnv } from './dev/app-env.js';
import { freePort } from './dev/free-port.js';
import { startWatched, stopAll, waitForOk } from './dev/service-processes.js';
import { startStandIn } from './dev/stand-in-process.js';

// The QStash CLI dev server's fixed credentials: an app set up for `qstash dev` works here too.
const QSTASH_DEV = {
  token: 'eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=',
  currentSigningKey: 'sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r',
  nextSigningKey: 'sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs',
};
// The stand-ins check no S3 signature; the bucket name is the one docker-compose creates.
const S3_DEV = { accessKeyId: 'dev-access-key', secretAccessKey: 'dev-secret-key', bucket: 'csv-uploads' };
const UPSTASH_DEV_TOKEN = 'dev-upstash-token';
const READY_WITHIN_MS = 60_000;
// Within the 10 s Ctrl-C promises: the worker gives a running import 3 s, then rolls it back.
const STOP_GRACE_MS = 8_000;

if (existsSync('.env')) process.loadEnvFile('.env');
const { config, inherited } = loadOrExit(() => loadDevConfig());
const say = (line: string) => process.stdout.write(`${line}\n`);
const standIns: ChildProcess[] = [];
const services: { stop(): Promise<void> }[] = [];
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await Promise.all([stopAll(standIns, STOP_GRACE_MS), ...services.map((s) => s.stop())]);
  process.exit(code);
};
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  await prepareDatabase(config.DATABASE_URL);
  // Every port is known before anything starts, so the stand-ins, the api and the worker start at once.
  const port = async (offset: number) => (config.DEV_PORT ? config.DEV_PORT + offset : freePort());
  const [apiPort, s3Port, qstashPort, upstashPort] = await Promise.all([0, 1, 2, 3].map(port));
  const standInEnv = { ...inherited, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const started = async (entry: string, args: string[]) => {
    const child = await startStandIn(entry, args, standInEnv);
    standIns.push(child);
    child.once('exit', (code) => {
      if (!stopping) process.stderr.write(`${entry} stopped (${code}); stopping npm run dev\n`);
      void stop(1);
    });
  };
  const useS3 = !config.S3_ENDPOINT && !config.R2_ACCOUNT_ID;
  const useQstash = !config.QSTASH_TOKEN;
  const useUpstash = !config.UPSTASH_REDIS_REST_URL;
  const standInsStarted = Promise.all([
    useS3 && started('scripts/dev/s3-stand-in.ts', ['--port', String(s3Port), '--bucket', S3_DEV.bucket]),
    useQstash &&
      started('scripts/dev/qstash-stand-in.ts', ['--port', String(qstashPort), '--token', QSTASH_DEV.token, '--signing-key', QSTASH_DEV.currentSigningKey]),
    useUpstash && started('scripts/dev/upstash-stand-in.ts', ['--port', String(upstashPort), '--redis-url', config.REDIS_URL, '--token', UPSTASH_DEV_TOKEN]),
  ]);
  const local = (standInPort: number | undefined) => `http://127.0.0.1:${standInPort}`;
  const s3Url = useS3 ? local(s3Port) : undefined;
  const qstashUrl = useQstash ? local(qstashPort) : undefined;
  const upstashUrl = useUpstash ? local(upstashPort) : undefined;

  const app: AppEnv = {
    CSV_IMPORT_WORKER_URL: config.PUBLIC_URL ?? `http://127.0.0.1:${apiPort}`,
    DATABASE_URL: config.DATABASE_URL,
    S3_ENDPOINT: s3Url ?? config.S3_ENDPOINT ?? `https://${config.R2_ACCOUNT_ID}.r2.cloudflarestorage.com`,
    S3_REGION: 'auto',
    S3_BUCKET: useS3 ? S3_DEV.bucket : (config.R2_BUCKET_NAME ?? ''),
    S3_ACCESS_KEY_ID: useS3 ? S3_DEV.accessKeyId : (config.R2_ACCESS_KEY_ID ?? ''),
    S3_SECRET_ACCESS_KEY: useS3 ? S3_DEV.secretAccessKey : (config.R2_SECRET_ACCESS_KEY ?? ''),
    QSTASH_URL: qstashUrl ?? config.QSTASH_URL,
    QSTASH_TOKEN: useQstash ? QSTASH_DEV.token : (config.QSTASH_TOKEN ?? ''),
    QSTASH_CURRENT_SIGNING_KEY: useQstash ? QSTASH_DEV.currentSigningKey : (config.QSTASH_CURRENT_SIGNING_KEY ?? ''),
    QSTASH_NEXT_SIGNING_KEY: useQstash ? QSTASH_DEV.nextSigningKey : (config.QSTASH_NEXT_SIGNING_KEY ?? ''),
    UPSTASH_REDIS_REST_URL: upstashUrl ?? config.UPSTASH_REDIS_REST_URL ?? '',
    UPSTASH_REDIS_REST_TOKEN: useUpstash ? UPSTASH_DEV_TOKEN : (config.UPSTASH_REDIS_REST_TOKEN ?? ''),
    CSV_IMPORT_STATUS_KEY_PREFIX: config.STATUS_KEY_PREFIX,
  };
  const serviceEnv = {
    ...standInEnv,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    PORT: String(apiPort),
    S3_ENDPOINT: s3Url ?? config.S3_ENDPOINT,
    R2_ACCESS_KEY_ID: app.S3_ACCESS_KEY_ID,
    R2_SECRET_ACCESS_KEY: app.S3_SECRET_ACCESS_KEY,
    R2_BUCKET_NAME: app.S3_BUCKET,
    QSTASH_URL: app.QSTASH_URL,
    QSTASH_TOKEN: app.QSTASH_TOKEN,
    QSTASH_CURRENT_SIGNING_KEY: app.QSTASH_CURRENT_SIGNING_KEY,
    QSTASH_NEXT_SIGNING_KEY: app.QSTASH_NEXT_SIGNING_KEY,
    UPSTASH_REDIS_REST_URL: app.UPSTASH_REDIS_REST_URL,
    UPSTASH_REDIS_REST_TOKEN: app.UPSTASH_REDIS_REST_TOKEN,
    CALLBACK_URL_PREFIXES: config.CALLBACK_URL_PREFIXES,
    SHUTDOWN_TIMEOUT_MS: config.SHUTDOWN_TIMEOUT_MS,
  };
  const api = startWatched('src/api/main.ts', serviceEnv, 'src', STOP_GRACE_MS);
  const worker = startWatched('src/worker/main.ts', serviceEnv, 'src', STOP_GRACE_MS);
  services.push(api, worker);
  await withTimeout(
    Promise.all([
      standInsStarted,
      waitForOk(`http://127.0.0.1:${apiPort}/ready`, READY_WITHIN_MS),
      worker.waitForLine(/"msg":"worker started"/),
    ]),
    READY_WITHIN_MS,
    'the api and the worker did not both start',
  );
  await writeAppEnv(config.DEV_APP_ENV_FILE, app);
  say(`\nThe app's settings (also in ${config.DEV_APP_ENV_FILE}):\n${formatAppEnv(app)}`);
  say(`ready: csv-import-worker on ${app.CSV_IMPORT_WORKER_URL}, app settings in ${config.DEV_APP_ENV_FILE}; Ctrl-C stops everything`);
} catch (err) {
  process.stderr.write(`npm run dev could not start: ${(err as Error).message}\n`);
  await stop(1);
}

/** Creates and migrates the database; a failure names the server and database, never the password. */
async function prepareDatabase(url: string): Promise<void> {
  try {
    await ensureDatabase(url);
    await runMigrations(url);
  } catch (err) {
    const { host, pathname } = new URL(url);
    throw new Error(`PostgreSQL at ${host}, database ${pathname.slice(1)} (DATABASE_URL): ${(err as Error).message}`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
