import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importClientFor, startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { uniqueJobId } from '../helpers/service.js';
import { startUpstashServer, type UpstashTestServer } from '../helpers/upstash-server.js';

// Services of the developer's own, as a .env would name them: npm run dev must use these and start none.
const QSTASH = { token: 'own-qstash-token', current: 'sig_own_current_signing_key', next: 'sig_own_next_signing_key' };
const UPSTASH_TOKEN = 'own-upstash-token';

let s3: S3TestServer;
let qstash: QstashTestServer;
let upstash: UpstashTestServer;
let dev: DevStack;
/** What the .env names, by the names both it and the app's settings use. */
const named = () => ({
  QSTASH_URL: qstash.url,
  QSTASH_TOKEN: QSTASH.token,
  QSTASH_CURRENT_SIGNING_KEY: QSTASH.current,
  QSTASH_NEXT_SIGNING_KEY: QSTASH.next,
  UPSTASH_REDIS_REST_URL: upstash.url,
  UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN,
});
beforeAll(async () => {
  [s3, qstash, upstash] = await Promise.all([
    startS3Server(),
    startQstashServer({ token: QSTASH.token, signingKey: QSTASH.current }),
    startUpstashServer({ redisUrl: TEST_REDIS_URL, token: UPSTASH_TOKEN }),
  ]);
  dev = await startDevStack({ ...s3.env, ...named() });
}, 90_000);
afterAll(async () => {
  await dev?.stop();
  await Promise.all([s3?.stop(), qstash?.stop(), upstash?.stop()]);
});

describe('npm run dev with real services named in its environment (.env)', () => {
  it('gives the app those services, not stand-ins of its own', () => {
    expect(dev.appEnv).toMatchObject({
      ...named(),
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.env.R2_ACCESS_KEY_ID,
    });
    expect(dev.output()).not.toMatch(/stand-in\.ts/);
  });

  it('runs the api and the worker against them: the import is delivered by that QStash, read from that S3, followed through that Upstash', async () => {
    const key = `uploads/${uniqueJobId('own')}.csv`;
    await s3.storage.put(key, 'Email\nann@example.com\n');
    const env = dev.appEnv;
    const client = importClientFor(env);
    const jobId = uniqueJobId('own');
    await client.requestImport({ jobId, source: { key }, list: { name: 'Own services' } });
    expect(await client.waitForImport(jobId, { timeoutMs: 30_000 })).toMatchObject({ state: 'succeeded', result: { rows: 1 } });
    expect(qstash.messages().find((m) => m.body.includes(jobId))?.attempts.map((a) => a.status)).toEqual([202]);
    expect(s3.faults.hits(key)).toBeGreaterThan(0);
  });
});
