import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobState, StatusDocument } from '../../src/shared/contract.js';
import { createStatusStore, type StatusStore } from '../../src/shared/status/status-store.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { startUpstashServer, type UpstashTestServer } from '../helpers/upstash-server.js';

const TOKEN = 'status-store-test-token';
const PREFIX = `status-store-test:${randomUUID()}:`;
let redis: Redis;
let upstash: UpstashTestServer;
const stores: Record<string, StatusStore> = {};

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  upstash = await startUpstashServer({ redisUrl: TEST_REDIS_URL, token: TOKEN });
  const config = { STATUS_TTL_SECONDS: 600, STATUS_KEY_PREFIX: PREFIX };
  stores.redis = createStatusStore(config, redis);
  stores.upstash = createStatusStore({ ...config, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: TOKEN }, redis);
});

afterAll(async () => {
  await upstash?.stop();
  redis?.disconnect();
});

let clock = Date.parse('2026-11-28T12:00:00.000Z');
/** A document of one attempt; each is a little later than the one before, as a worker writes them. */
function doc(jobId: string, state: JobState, attempt: number, extra: Partial<StatusDocument> = {}): StatusDocument {
  clock += 10;
  return {
    jobId, state, attempt, progress: { rows: 0, bytes: 0, totalBytes: 0, percent: 0 },
    queuedAt: '2026-11-28T11:59:00.000Z', updatedAt: new Date(clock).toISOString(), ...extra,
  };
}

describe.each(['redis', 'upstash'])('the status store on %s: transitions are monotonic', (backend) => {
  const store = () => stores[backend]!;
  const jobId = () => `job-${randomUUID()}`;

  it('writes a first document, under STATUS_KEY_PREFIX, with the TTL', async () => {
    const id = jobId();
    expect(await store().transition(doc(id, 'queued', 0))).toBeGreaterThan(0);
    expect(await store().read(id)).toMatchObject({ jobId: id, state: 'queued', attempt: 0 });
    expect(await redis.ttl(`${PREFIX}${id}`)).toBeGreaterThan(590);
  });

  it('never lets a late write of an older attempt overwrite a newer one (a worker that lost its lock)', async () => {
    const id = jobId();
    const stale = doc(id, 'running', 1, { progress: { rows: 5_000, bytes: 1, totalBytes: 2, percent: 50 } });
    expect(await store().transition(doc(id, 'running', 2))).toBeGreaterThan(0);
    expect(await store().transition(doc(id, 'succeeded', 2))).toBeGreaterThan(0);
    expect(await store().transition(stale)).toBe(0);
    expect(await store().transition(doc(id, 'failed', 1, { error: { code: 'FILE_NOT_FOUND', message: 'gone', retryable: false } }))).toBe(0);
    expect(await store().read(id)).toMatchObject({ state: 'succeeded', attempt: 2 });
  });

  it('never overwrites an attempt\'s final state within that attempt (a late progress write)', async () => {
    const id = jobId();
    await store().transition(doc(id, 'running', 1));
    expect(await store().transition(doc(id, 'failed', 1))).toBeGreaterThan(0);
    expect(await store().transition(doc(id, 'running', 1, { progress: { rows: 1_000, bytes: 10, totalBytes: 20, percent: 50 } }))).toBe(0);
    expect(await store().transition(doc(id, 'succeeded', 1))).toBe(0);
    expect(await store().read(id)).toMatchObject({ state: 'failed', attempt: 1, progress: { rows: 0 } });
  });

  it('refuses a writer\'s write that reaches the store after a later one of its own (delivered late)', async () => {
    const id = jobId();
    const writer = { id: 'w1', seq: 0 };
    const early = doc(id, 'running', 1, { progress: { rows: 1_000, bytes: 10, totalBytes: 20, percent: 50 } });
    expect(await store().transition(doc(id, 'retrying', 1), { ...writer, seq: 2 })).toBeGreaterThan(0);
    expect(await store().transition(early, { ...writer, seq: 1 })).toBe(0);
    expect(await store().read(id)).toMatchObject({ state: 'retrying', attempt: 1 });
  });

  it('orders two writers\' writes of one attempt as the store runs them, not by their clocks: a cancel stamped 5 s before the retrying it follows', async () => {
    const id = jobId();
    const retrying = doc(id, 'retrying', 1, { updatedAt: '2026-11-28T12:00:05.000Z' });
    const cancelled = doc(id, 'cancelled', 1, { updatedAt: '2026-11-28T12:00:01.000Z' });
    expect(await store().transition(retrying, { id: 'worker', seq: 3 })).toBeGreaterThan(0);
    expect(await store().transition(cancelled, { id: 'api', seq: 1 })).toBeGreaterThan(0);
    expect(await store().read(id)).toMatchObject({ state: 'cancelled', attempt: 1 });
  });

  it('hands out each written document\'s revision, one more than the last, and none for a refused write', async () => {
    const id = jobId();
    const writer = { id: 'w2', seq: 0 };
    const revisions = [];
    for (const state of ['running', 'running', 'failed', 'running'] as const) revisions.push(await store().transition(doc(id, state, 1), { ...writer, seq: ++writer.seq }));
    expect(revisions).toEqual([1, 2, 3, 0]);
    expect(await store().read(id)).toMatchObject({ state: 'failed', revision: 3, writer: 'w2:3' });
    expect(JSON.parse((await redis.get(`${PREFIX}${id}`))!)).toMatchObject({ state: 'failed', revision: 3 });
  });

  it('reads a document the previous version wrote (no revision): its final state still stands, and the revisions start after it', async () => {
    const id = jobId();
    const old = { state: 'failed', attempt: 1, updatedAt: '2026-11-28T12:00:00.000Z', jobId: id, progress: { rows: 0, bytes: 0, totalBytes: 0, percent: 0 }, queuedAt: '2026-11-28T11:59:00.000Z' };
    await redis.set(`${PREFIX}${id}`, JSON.stringify(old), 'EX', 60);
    expect(await store().transition(doc(id, 'running', 1), { id: 'w3', seq: 1 })).toBe(0);
    expect(await store().transition(doc(id, 'running', 2), { id: 'w3', seq: 2 })).toBe(1);
  });

  it('lets a newer attempt start the document over after a final state (an operator\'s retry)', async () => {
    const id = jobId();
    await store().transition(doc(id, 'failed', 1));
    expect(await store().transition(doc(id, 'running', 2))).toBeGreaterThan(0);
    expect(await store().read(id)).toMatchObject({ state: 'running', attempt: 2 });
  });

  it('never starts a cancelled job over, not even for a newer attempt', async () => {
    const id = jobId();
    await store().transition(doc(id, 'running', 1));
    expect(await store().transition(doc(id, 'cancelled', 1))).toBeGreaterThan(0);
    expect(await store().transition(doc(id, 'running', 2))).toBe(0);
    expect(await store().transition(doc(id, 'succeeded', 3))).toBe(0);
    expect(await store().read(id)).toMatchObject({ state: 'cancelled', attempt: 1 });
  });

  it('keeps exactly one winner when two attempts race for the same document', async () => {
    const id = jobId();
    await store().transition(doc(id, 'running', 1));
    const writes = [doc(id, 'failed', 1), doc(id, 'running', 2), doc(id, 'succeeded', 2), doc(id, 'running', 1)];
    await Promise.all(writes.map((d) => store().transition(d)));
    // Whatever order they landed in, attempt 2's final state is the last word.
    expect(await store().read(id)).toMatchObject({ state: 'succeeded', attempt: 2 });
  });
});
