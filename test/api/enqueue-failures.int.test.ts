import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import { loadApiConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { createImportQueue } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { listenApi, logSink, type ListeningApi } from '../helpers/api-in-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { signQstash } from '../helpers/sign-qstash.js';
import { CURRENT_KEY, NEXT_KEY, importRequest, uniqueJobId } from '../helpers/service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

// A Redis of this file's own, so it can be filled up and stopped without touching anyone else's.
const PREFIX = '{enqueue-failures}';
let redisServer: RedisServer;
let admin: Redis;
let db: TestDatabase;
let api: ListeningApi;
let webhookUrl: string;
const log = logSink();

beforeAll(async () => {
  redisServer = await startRedisServer({ persistent: false });
  admin = createRedis(redisServer.url, 'worker');
  db = await createTestDatabase();
  api = await listenApi(
    loadApiConfig({
      DATABASE_URL: db.url, REDIS_URL: redisServer.url, QUEUE_PREFIX: PREFIX,
      QSTASH_CURRENT_SIGNING_KEY: CURRENT_KEY, QSTASH_NEXT_SIGNING_KEY: NEXT_KEY,
    }),
    createLogger({ LOG_LEVEL: 'warn' }, 'api', log.stream),
  );
  webhookUrl = `${api.baseUrl}${QSTASH_IMPORT_PATH}`;
});
beforeEach(() => {
  log.lines.length = 0;
});
afterAll(async () => {
  await api?.close();
  admin?.disconnect();
  await redisServer?.remove();
  await db?.drop();
});

function deliver(jobId: string): Promise<Response> {
  const body = JSON.stringify(importRequest(jobId, 'uploads/a.csv'));
  return fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: CURRENT_KEY, url: webhookUrl, body }) },
    body,
  });
}

describe('the webhook when enqueueing fails', () => {
  it('answers 400 with the non-retryable header when Redis answers but refuses the job, and logs why', async () => {
    // The job's own key holds a string (a stray key, a bad migration): every delivery fails alike.
    const jobId = uniqueJobId('wrongtype');
    const jobKey = createImportQueue(admin, PREFIX).toKey(jobId);
    await admin.set(jobKey, 'not a job hash');
    const res = await deliver(jobId);
    expect(res.status).toBe(400);
    expect(res.headers.get('upstash-nonretryable-error')).toBe('true');
    const answer = (await res.json()) as { error: string };
    expect(answer.error).toMatch(/can never be queued/);
    expect(JSON.stringify(answer)).not.toMatch(/WRONGTYPE/);
    expect(log.lines.join('')).toMatch(/WRONGTYPE/);
    await admin.del(jobKey);
  });

  it('answers 503 when Redis is out of memory, since it can take the job once it has room', async () => {
    await admin.config('SET', 'maxmemory', '1');
    try {
      const res = await deliver(uniqueJobId('oom'));
      expect(res.status).toBe(503);
      expect(res.headers.get('upstash-nonretryable-error')).toBeNull();
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
  });

  it('answers 503 while Redis is down, and 202 once it is back', async () => {
    await redisServer.stop();
    try {
      const res = await deliver(uniqueJobId('down'));
      expect(res.status).toBe(503);
      expect(res.headers.get('upstash-nonretryable-error')).toBeNull();
    } finally {
      await redisServer.start();
    }
    const jobId = uniqueJobId('back');
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 202) {
      status = (await deliver(jobId)).status;
      if (status !== 202) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(202);
  });
});
