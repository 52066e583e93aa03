import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from './env.js';
import { startUpstashServer, type UpstashTestServer } from './upstash-server.js';

const TOKEN = 'test-upstash-token';
let server: UpstashTestServer;
const prefix = `upstash-server-test:${randomUUID()}:`;
const key = (name: string) => `${prefix}${name}`;

beforeAll(async () => {
  server = await startUpstashServer({ redisUrl: TEST_REDIS_URL, token: TOKEN });
});

afterAll(async () => {
  await server?.stop();
});

/** The real client, unchanged; no retries so a failure shows at once. */
const client = (options: { token?: string; responseEncoding?: false | 'base64' } = {}) =>
  new Redis({ url: server.url, token: options.token ?? TOKEN, retry: false, enableTelemetry: false, ...options });

describe('the Upstash REST stand-in, spoken to by @upstash/redis', () => {
  it('stores a value with an expiry that TTL reports', async () => {
    const redis = client();
    expect(await redis.set(key('ttl'), 'v', { ex: 100 })).toBe('OK');
    const ttl = await redis.ttl(key('ttl'));
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
  });

  it('returns a stored JSON document as an object, unicode intact', async () => {
    const redis = client();
    const doc = { jobId: 'j-1', state: 'running', progress: { rows: 12, percent: 3 }, note: 'Zoë 日本 🚀' };
    await redis.set(key('doc'), doc, { ex: 100 });
    expect(await redis.get(key('doc'))).toEqual(doc);
  });

  it('answers GET of a missing key with null', async () => {
    expect(await client().get(key('absent'))).toBeNull();
  });

  it('deletes a key and reports how many were removed', async () => {
    const redis = client();
    await redis.set(key('del'), 'x', { ex: 100 });
    expect(await redis.del(key('del'), key('never'))).toBe(1);
    expect(await redis.get(key('del'))).toBeNull();
  });

  it('returns a hash from HGETALL as an object, not the pairs ioredis builds', async () => {
    const redis = client();
    await redis.hset(key('hash'), { state: 'queued', attempt: 2, note: 'naïve' });
    await redis.expire(key('hash'), 100);
    expect(await redis.hgetall(key('hash'))).toEqual({ state: 'queued', attempt: 2, note: 'naïve' });
  });

  it('runs an explicit pipeline and returns each answer in order', async () => {
    const redis = client();
    const results = await redis
      .pipeline()
      .set(key('p'), 1, { ex: 100 })
      .incr(key('p'))
      .get(key('p'))
      .lrange(key('p-none'), 0, -1)
      .exec();
    expect(results).toEqual(['OK', 2, 2, []]);
  });

  it('runs MULTI/EXEC atomically through /multi-exec', async () => {
    const redis = client();
    const before = server.requests('/multi-exec');
    const results = await redis.multi().set(key('m'), 'a', { ex: 100 }).append(key('m'), 'bc').get(key('m')).exec();
    expect(results).toEqual(['OK', 3, 'abc']);
    expect(server.requests('/multi-exec') - before).toBe(1);
  });

  it('reports a failing command inside a pipeline without failing the others', async () => {
    const redis = client();
    await redis.set(key('str'), 'text', { ex: 100 });
    const results = await redis.pipeline().incr(key('str')).get(key('str')).exec({ keepErrors: true });
    expect(results[0]).toMatchObject({ error: expect.stringMatching(/not an integer/) });
    expect(results[1]).toMatchObject({ result: 'text' });
  });

  it('rejects a single failing command with the Redis error', async () => {
    const redis = client();
    await redis.set(key('str2'), 'text', { ex: 100 });
    await expect(redis.incr(key('str2'))).rejects.toThrow(/not an integer/);
  });

  it('serves clients that ask for plain, not base64, strings', async () => {
    const redis = client({ responseEncoding: false });
    await redis.set(key('plain'), { name: 'Ngô Bảo' }, { ex: 100 });
    expect(await redis.get(key('plain'))).toEqual({ name: 'Ngô Bảo' });
  });

  it('base64-encodes every string in an answer, nested ones included, when asked', async () => {
    await client().rpush(key('list'), 'é', 'b');
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'upstash-encoding': 'base64', 'content-type': 'application/json' },
      body: JSON.stringify(['LRANGE', key('list'), 0, -1]),
    });
    expect(await res.json()).toEqual({ result: [Buffer.from('é').toString('base64'), Buffer.from('b').toString('base64')] });
    await client().del(key('list'));
  });

  it('refuses a wrong token with 401, which the client raises', async () => {
    await expect(client({ token: 'wrong' }).get(key('any'))).rejects.toThrow(/Unauthorized/);
    const res = await fetch(`${server.url}/`, { method: 'POST', body: JSON.stringify(['GET', key('any')]) });
    expect(res.status).toBe(401);
  });

  it('refuses connections while in refuse mode, and serves again afterwards', async () => {
    const redis = client();
    await server.setMode('refuse');
    try {
      await expect(redis.get(key('any'))).rejects.toThrow();
    } finally {
      await server.setMode('ok');
    }
    expect(await redis.get(key('any'))).toBeNull();
  });

  it('answers with the injected status in status mode', async () => {
    await server.setMode({ status: 503 });
    try {
      await expect(client().get(key('any'))).rejects.toThrow();
    } finally {
      await server.setMode('ok');
    }
  });

  it('delays every answer in delay mode', async () => {
    await server.setMode({ delayMs: 300 });
    try {
      const started = Date.now();
      await client().get(key('any'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await server.setMode('ok');
    }
  });
});
