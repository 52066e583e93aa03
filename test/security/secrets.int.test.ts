import { randomBytes } from 'node:crypto';
import { Redis as UpstashRedis } from '@upstash/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import { loadApiConfig, loadWorkerConfig } from '../../src/shared/config.js';
import { statusKey, type StatusDocument } from '../../src/shared/contract.js';
import { createLogger } from '../../src/shared/logger.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/worker/runtime.js';
import { TEST_PG_URL, TEST_REDIS_URL } from '../helpers/env.js';
import { listenApi, logSink, type ListeningApi } from '../helpers/api-in-process.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { signQstash } from '../helpers/sign-qstash.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { startUpstashServer, type UpstashTestServer } from '../helpers/upstash-server.js';

/**
 * DESIGN §8: secrets never appear in logs, errors or status documents. The whole service (api
 * and worker, LOG_LEVEL=debug, every log line captured) runs with recognisable secrets, through
 * a successful import, a missing file, a storage outage, a 401, a 400, a duplicate and the
 * dashboard; then every log line, every HTTP answer and every Redis key of this run (queue and
 * status documents, all types) is searched for the secrets, raw and encoded.
 */

const tag = randomBytes(5).toString('hex');
const SECRETS = {
  QSTASH_CURRENT_SIGNING_KEY: `qstash-current-SECRET-${tag}`,
  QSTASH_NEXT_SIGNING_KEY: `qstash-next-SECRET-${tag}`,
  R2_SECRET_ACCESS_KEY: `r2-secret-SECRET-${tag}`,
  DATABASE_PASSWORD: `pg-password-SECRET-${tag}`,
  UPSTASH_REDIS_REST_TOKEN: `upstash-token-SECRET-${tag}`,
  BULL_BOARD_PASSWORD: `board-password-SECRET-${tag}`,
  QSTASH_TOKEN: `qstash-token-SECRET-${tag}`,
};
const ROLE = `csv_import_secrets_${tag}`;
const QUEUE_PREFIX = `{secrets-${tag}}`;
const JOB_PREFIX = `secrets-${tag}`;

/** Every form a secret could leak in: as is, base64 (alone or in basic auth), URL-encoded. */
function secretForms(): Map<string, string> {
  const forms = new Map<string, string>();
  for (const [name, value] of Object.entries(SECRETS)) {
    forms.set(value, name);
    forms.set(Buffer.from(value).toString('base64').replace(/=+$/, ''), `${name} (base64)`);
    forms.set(Buffer.from(value).toString('base64url'), `${name} (base64url)`);
    forms.set(encodeURIComponent(value), `${name} (URL-encoded)`);
    forms.set(Buffer.from(`admin:${value}`).toString('base64').replace(/=+$/, ''), `${name} (basic auth)`);
  }
  return forms;
}

/** Which secrets (or signatures) a text contains. */
function leaksIn(text: string, extra: Map<string, string> = new Map()): string[] {
  const found: string[] = [];
  for (const [needle, name] of [...secretForms(), ...extra]) if (text.includes(needle)) found.push(name);
  return found;
}

let db: TestDatabase;
let s3: S3TestServer;
let upstash: UpstashTestServer;
let qstash: QstashTestServer;
let callbacks: CaptureServer;
let api: ListeningApi;
let worker: WorkerRuntime;
let statusClient: UpstashRedis;
let webhookUrl: string;
let baseUrl: string;
const log = logSink();
const logLines = log.lines;
const answers: string[] = [];
/** Upstash-Signature headers sent: tokens, not secrets, but they must not be logged either. */
const signatures = new Map<string, string>();

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(`create role ${ROLE} login password '${SECRETS.DATABASE_PASSWORD}'`);
  await db.pool.query(`grant connect on database ${db.name} to ${ROLE}`);
  await db.pool.query(`grant usage on schema public to ${ROLE}`);
  await db.pool.query(`grant select, insert, update, delete on all tables in schema public to ${ROLE}`);
  await db.pool.query(`grant usage, select on all sequences in schema public to ${ROLE}`);
  const databaseUrl = new URL(db.url);
  databaseUrl.username = ROLE;
  databaseUrl.password = SECRETS.DATABASE_PASSWORD;

  s3 = await startS3Server();
  upstash = await startUpstashServer({ redisUrl: TEST_REDIS_URL, token: SECRETS.UPSTASH_REDIS_REST_TOKEN });
  qstash = await startQstashServer({ token: SECRETS.QSTASH_TOKEN, signingKey: SECRETS.QSTASH_CURRENT_SIGNING_KEY });
  callbacks = await startCaptureServer();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: SECRETS.UPSTASH_REDIS_REST_TOKEN,
    QSTASH_CURRENT_SIGNING_KEY: SECRETS.QSTASH_CURRENT_SIGNING_KEY,
    QSTASH_NEXT_SIGNING_KEY: SECRETS.QSTASH_NEXT_SIGNING_KEY,
    BULL_BOARD_USERNAME: 'admin',
    BULL_BOARD_PASSWORD: SECRETS.BULL_BOARD_PASSWORD,
    QSTASH_TOKEN: SECRETS.QSTASH_TOKEN,
    QSTASH_URL: qstash.url,
    CALLBACK_URL: `${callbacks.url}/callbacks`,
    JOB_ATTEMPTS: '2',
    JOB_BACKOFF_MS: '100',
    ...s3.env,
    R2_SECRET_ACCESS_KEY: SECRETS.R2_SECRET_ACCESS_KEY,
  };
  api = await listenApi(loadApiConfig(env), createLogger({ LOG_LEVEL: 'debug' }, 'api', log.stream));
  baseUrl = api.baseUrl;
  webhookUrl = `${baseUrl}${QSTASH_IMPORT_PATH}`;
  worker = await startWorkerRuntime(loadWorkerConfig(env), createLogger({ LOG_LEVEL: 'debug' }, 'worker', log.stream));
  statusClient = new UpstashRedis({ url: upstash.url, token: SECRETS.UPSTASH_REDIS_REST_TOKEN, enableTelemetry: false });
});

afterAll(async () => {
  await worker?.stop(1_000);
  await api?.close();
  await upstash?.stop();
  await qstash?.stop();
  await callbacks?.stop();
  await s3?.stop();
  await db?.drop();
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`drop role if exists ${ROLE}`).finally(() => admin.end());
});

async function deliver(payload: unknown, signature: string | null = 'valid'): Promise<Response> {
  const body = JSON.stringify(payload);
  const header = signature === 'valid' ? signQstash({ key: SECRETS.QSTASH_CURRENT_SIGNING_KEY, url: webhookUrl, body }) : signature;
  if (header) signatures.set(header, 'an Upstash-Signature header');
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header ? { 'upstash-signature': header } : {}) },
    body,
  });
  answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.clone().text()}`);
  return res;
}

const request = (jobId: string, key: string) => ({ jobId, source: { key }, list: { name: `list ${jobId}` } });

async function waitForState(jobId: string, state: StatusDocument['state'], timeoutMs = 20_000): Promise<StatusDocument> {
  const deadline = Date.now() + timeoutMs;
  let last: StatusDocument | null = null;
  while (Date.now() < deadline) {
    last = await statusClient.get<StatusDocument>(statusKey(jobId));
    if (last?.state === state) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not reach ${state}; last status ${JSON.stringify(last)}`);
}

/** Every key of this run in Redis with its whole content, whatever its type. */
async function dumpRedis(): Promise<Map<string, string>> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const dump = new Map<string, string>();
    for (const match of [`${QUEUE_PREFIX}*`, `${statusKey(JOB_PREFIX)}*`]) {
      for await (const keys of redis.scanStream({ match, count: 500 }) as AsyncIterable<string[]>) {
        for (const key of keys) dump.set(key, await readKey(redis, key));
      }
    }
    return dump;
  } finally {
    redis.disconnect();
  }
}

async function readKey(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return type;
  }
}

describe('secrets', () => {
  const ok = `${JOB_PREFIX}-ok`;
  const missing = `${JOB_PREFIX}-missing`;
  const outage = `${JOB_PREFIX}-outage`;

  beforeAll(async () => {
    await s3.storage.put('uploads/people.csv', 'name,email\nAda,ada@example.com\nGrace,grace@example.com\n');
    await s3.storage.put('uploads/outage.csv', 'name\nx\n');
    s3.faults.set('uploads/outage.csv', { kind: 'status', status: 503 });

    expect((await deliver(request(ok, 'uploads/people.csv'))).status).toBe(202);
    expect((await deliver(request(missing, 'uploads/nowhere.csv'))).status).toBe(202);
    expect((await deliver(request(outage, 'uploads/outage.csv'))).status).toBe(202);
    // Refused deliveries: another key, an expired token signed with the real key, none at all, a bad payload.
    const unsigned = request(`${JOB_PREFIX}-forged`, 'uploads/people.csv');
    const body = JSON.stringify(unsigned);
    expect((await deliver(unsigned, signQstash({ key: `forged-${tag}`, url: webhookUrl, body }))).status).toBe(401);
    const expired = signQstash({ key: SECRETS.QSTASH_CURRENT_SIGNING_KEY, url: webhookUrl, body, now: Date.now() - 3_600_000 });
    expect((await deliver(unsigned, expired)).status).toBe(401);
    expect((await deliver(unsigned, null)).status).toBe(401);
    expect((await deliver({ jobId: `${JOB_PREFIX}-bad`, source: { key: '../x' } })).status).toBe(400);

    await waitForState(ok, 'succeeded');
    await waitForState(missing, 'failed');
    await waitForState(outage, 'failed');
    expect((await deliver(request(ok, 'uploads/people.csv'))).status).toBe(200);

    const auth = (password: string) => ({ authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` });
    for (const headers of [auth(SECRETS.BULL_BOARD_PASSWORD), auth(`wrong-${tag}`)]) {
      const res = await fetch(`${baseUrl}/admin/queues/api/queues`, { headers });
      answers.push(`${res.status} ${await res.text()}`);
    }
    answers.push(await (await fetch(`${baseUrl}/ready`)).text());
  }, 60_000);

  it('ran the import, the failures and the refusals it meant to (the scan below covers real traffic)', async () => {
    expect((await waitForState(missing, 'failed')).error).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect((await waitForState(outage, 'failed')).error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from list_rows');
    expect(rows[0]!.n).toBe(2);
    const logs = logLines.join('');
    for (const message of ['import queued', 'import started', 'import succeeded', 'import failed', 'job failed for good', 'completion callback published']) {
      expect(logs).toContain(message);
    }
    expect(answers.filter((a) => a.startsWith('401'))).toHaveLength(4);
  });

  it('finds a planted secret (the scanner works)', () => {
    expect(leaksIn(`…${SECRETS.R2_SECRET_ACCESS_KEY}…`).length).toBeGreaterThan(0);
    expect(leaksIn(`…${encodeURIComponent(`a/${SECRETS.DATABASE_PASSWORD}`)}…`).length).toBeGreaterThan(0);
    expect(leaksIn(`Basic ${Buffer.from(`admin:${SECRETS.BULL_BOARD_PASSWORD}`).toString('base64')}`)).toContain('BULL_BOARD_PASSWORD (basic auth)');
  });

  it('logs no secret and no signature header, in any log line of the api or the worker', () => {
    expect(logLines.length).toBeGreaterThan(10);
    const leaks = logLines.flatMap((line) => leaksIn(line, signatures).map((name) => `${name} in: ${line.slice(0, 300)}`));
    expect(leaks).toEqual([]);
  });

  it('answers no HTTP request with a secret', () => {
    expect(answers.flatMap((answer) => leaksIn(answer, signatures))).toEqual([]);
  });

  it('sends no secret in a completion callback', async () => {
    await qstash.idle();
    const delivered = callbacks.requests();
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    expect(delivered.flatMap((r) => leaksIn(`${JSON.stringify(r.headers)} ${r.body}`))).toEqual([]);
  });

  it('writes no secret to Redis: queue keys, job data, results, failures, events and status documents', async () => {
    const dump = await dumpRedis();
    // The refused request leaves its REQUEST_INVALID document (DESIGN §3), scanned for leaks below too.
    expect([...dump.keys()].filter((k) => k.startsWith('csv-import:job:')).sort()).toEqual(
      [ok, missing, outage, `${JOB_PREFIX}-bad`].map((id) => statusKey(id)).sort(),
    );
    expect(dump.get(statusKey(`${JOB_PREFIX}-bad`))).toContain('REQUEST_INVALID');
    expect([...dump.keys()].some((k) => k.startsWith(QUEUE_PREFIX))).toBe(true);
    expect([...dump.values()].join('\n')).toContain('FILE_NOT_FOUND');
    const leaks = [...dump].flatMap(([key, value]) => leaksIn(value, signatures).map((name) => `${name} in ${key}`));
    expect(leaks).toEqual([]);
  });
});
