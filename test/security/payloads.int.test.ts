import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportRequest } from '../../src/shared/contract.js';
import { createImportQueue, type ImportJobData } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

/**
 * Hostile webhook bodies that test/e2e/webhook-security.int.test.ts does not already cover. Every
 * one is correctly signed, so only validation stands between it and the queue: each must get a
 * clear 400 (or 413 past 64 KiB), queue nothing, and leave the api up. A 400 whose jobId can be
 * read leaves the `failed` REQUEST_INVALID status document the app waits on (DESIGN §3), and
 * nothing else: no job, no list.
 */

let service: TestService;
let redis: Redis;
let queue: Queue<ImportJobData>;
beforeAll(async () => {
  service = await startService({ inProcessWorker: false });
  redis = createRedis(service.env.REDIS_URL!, 'worker');
  queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await service?.stop();
});

/** Nothing in this file may ever be queued: the queue of this service stays empty. */
async function expectNothingQueued(jobId?: string): Promise<void> {
  const counts = await queue.getJobCounts();
  expect(Object.values(counts).reduce((a, b) => a + b, 0), JSON.stringify(counts)).toBe(0);
  if (jobId !== undefined) {
    expect(await queue.getJob(jobId)).toBeUndefined();
    const status = await service.status(jobId);
    if (status) expect(status).toMatchObject({ jobId, state: 'failed', error: { code: 'REQUEST_INVALID', retryable: false } });
  }
}

async function expectStillServing(): Promise<void> {
  const res = await fetch(`${service.baseUrl}/health`);
  expect(res.status).toBe(200);
}

/** Delivers a raw body, signed as QStash would sign it. */
async function deliverRaw(body: string): Promise<Response> {
  return service.deliver(undefined, { body });
}

async function expectRejected(res: Response, status: 400 | 413): Promise<void> {
  expect(res.status).toBe(status);
  const answer = (await res.json()) as { error?: unknown; issues?: unknown[] };
  expect(typeof answer.error).toBe('string');
  if (status === 400) {
    expect(res.headers.get('upstash-nonretryable-error')).toBe('true');
    expect(Array.isArray(answer.issues)).toBe(true);
  }
}

const nested = (depth: number, leaf = '1') => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;

describe('deeply nested JSON', () => {
  it('answers 400 for a body that is 10,000 nested arrays', async () => {
    await expectRejected(await deliverRaw(nested(10_000)), 400);
    await expectNothingQueued();
    await expectStillServing();
  });

  for (const depth of [10_000, 30_000]) {
    it(`answers 400 for list.metadata nested ${depth.toLocaleString('en')} levels deep, and stays up`, async () => {
      const jobId = uniqueJobId('deep');
      const body = `{"jobId":"${jobId}","source":{"key":"a.csv"},"list":{"name":"x","metadata":{"deep":${nested(depth)}}}}`;
      expect(body.length).toBeLessThan(64 * 1024);
      await expectRejected(await deliverRaw(body), 400);
      await expectNothingQueued(jobId);
      await expectStillServing();
    });
  }

  it('answers 400 for objects nested 5,000 levels deep in list.metadata', async () => {
    const jobId = uniqueJobId('deep-objects');
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const body = `{"jobId":"${jobId}","source":{"key":"a.csv"},"list":{"name":"x","metadata":${deep}}}`;
    await expectRejected(await deliverRaw(body), 400);
    await expectNothingQueued(jobId);
  });

  it('accepts list.metadata nested 32 levels deep and refuses 33 (the documented limit)', () => {
    const metadata = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as Record<string, unknown>;
    const parse = (depth: number) => ImportRequest.safeParse({ ...importRequest('depth-check', 'a.csv'), list: { name: 'x', metadata: metadata(depth) } });
    expect(parse(32).success).toBe(true);
    expect(parse(33).error?.issues[0]).toMatchObject({ path: ['list', 'metadata'], message: expect.stringMatching(/32 levels/) });
  });

  it('answers 413 for nesting that does not fit in 64 KiB, and stays up', async () => {
    const jobId = uniqueJobId('deeper');
    const body = `{"jobId":"${jobId}","source":{"key":"a.csv"},"list":{"name":"x","metadata":{"deep":${nested(40_000)}}}}`;
    await expectRejected(await deliverRaw(body), 413);
    await expectNothingQueued(jobId);
    await expectStillServing();
  });
});

describe('constructor and prototype keys', () => {
  const places: [string, (jobId: string) => string][] = [
    ['at the top level', (id) => `{"jobId":"${id}","source":{"key":"a.csv"},"list":{"name":"x"},"constructor":{"prototype":{"polluted":true}}}`],
    ['in list', (id) => `{"jobId":"${id}","source":{"key":"a.csv"},"list":{"name":"x","constructor":{"prototype":{"polluted":true}}}}`],
    ['in source', (id) => `{"jobId":"${id}","source":{"key":"a.csv","constructor":{"name":"Object"}}},"list":{"name":"x"}}`],
    ['in csv', (id) => `{"jobId":"${id}","source":{"key":"a.csv"},"list":{"name":"x"},"csv":{"constructor":{"prototype":{"header":false}}}}`],
    ['in a column hint', (id) => `{"jobId":"${id}","source":{"key":"a.csv"},"list":{"name":"x"},"columns":[{"name":"a","type":"json","constructor":{}}]}`],
    ['as __proto__ in list', (id) => `{"jobId":"${id}","source":{"key":"a.csv"},"list":{"name":"x","__proto__":{"polluted":true}}}`],
  ];

  for (const [where, body] of places) {
    it(`answers 400 for a constructor or __proto__ key ${where}, without polluting any prototype`, async () => {
      const jobId = uniqueJobId('ctor');
      await expectRejected(await deliverRaw(body(jobId)), 400);
      await expectNothingQueued(jobId);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  }

  it('answers 400 for constructor used as the jobId value type (an object instead of a string)', async () => {
    await expectRejected(await deliverRaw('{"jobId":{"constructor":"x"},"source":{"key":"a.csv"},"list":{"name":"x"}}'), 400);
    await expectNothingQueued();
  });
});

describe('control characters in list', () => {
  const names: [string, string][] = [
    ['a NUL', 'Contacts\u0000'],
    ['an escape sequence', '\u001b[31mred\u001b[0m'],
    ['a line break', 'Contacts\r\nINFO fake log line'],
    ['a tab', 'tab\there'],
    ['DEL', 'del\u007f'],
  ];
  for (const [label, name] of names) {
    it(`answers 400 for a list.name with ${label}`, async () => {
      const jobId = uniqueJobId('ctl');
      await expectRejected(await service.deliver(importRequest(jobId, 'a.csv', { list: { name } })), 400);
      await expectNothingQueued(jobId);
    });
  }

  it('answers 400 for a list.name holding an unpaired surrogate (PostgreSQL would store U+FFFD)', async () => {
    const jobId = uniqueJobId('lone');
    await expectRejected(await deliverRaw(`{"jobId":"${jobId}","source":{"key":"a.csv"},"list":{"name":"a\\ud800b"}}`), 400);
    await expectNothingQueued(jobId);
  });

  it('answers 400 for a list.ownerId with control characters', async () => {
    const jobId = uniqueJobId('owner');
    await expectRejected(await service.deliver(importRequest(jobId, 'a.csv', { list: { name: 'x', ownerId: 'user\u0000-1' } })), 400);
    await expectNothingQueued(jobId);
  });

  it('answers 400 for list keys spelled with control characters', async () => {
    const jobId = uniqueJobId('keys');
    await expectRejected(await deliverRaw(`{"jobId":"${jobId}","source":{"key":"a.csv"},"list":{"name\\u0000":"x","name":"y"}}`), 400);
    await expectNothingQueued(jobId);
  });

  for (const [label, metadata] of [
    ['a NUL in a value', '{"note":"a\\u0000b"}'],
    ['a NUL in a key', '{"a\\u0000b":1}'],
    ['an unpaired surrogate', '{"note":["\\udc00"]}'],
    ['a number too large for JSON', '{"n":1e999}'],
  ] as const) {
    it(`answers 400 for list.metadata with ${label}, which jsonb cannot store as sent`, async () => {
      const jobId = uniqueJobId('meta');
      await expectRejected(await deliverRaw(`{"jobId":"${jobId}","source":{"key":"a.csv"},"list":{"name":"x","metadata":${metadata}}}`), 400);
      await expectNothingQueued(jobId);
    });
  }
});

describe('jobId', () => {
  it('answers 400 for a jobId of 10 kB of digits, and queues nothing under it', async () => {
    const jobId = '7'.repeat(10 * 1024);
    await expectRejected(await service.deliver(importRequest(jobId, 'a.csv')), 400);
    await expectNothingQueued(jobId);
  });

  it('answers 400 for a jobId of 10 kB of digits even with every other field valid and complete', async () => {
    const jobId = '1'.repeat(10 * 1024);
    const request = importRequest(jobId, 'uploads/a.csv', {
      list: { name: 'x', ownerId: 'user-1', metadata: { from: 'web' } },
      csv: { delimiter: ',', encoding: 'utf-8', header: true, skipRows: 0, quote: '"', escape: '"' },
      invalidRows: 'skip',
    });
    await expectRejected(await service.deliver(request), 400);
    await expectNothingQueued(jobId);
  });
});
