import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusKey } from '../../src/shared/contract.js';
import { createImportQueue } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { signQstash } from '../helpers/sign-qstash.js';
import { CURRENT_KEY, NEXT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const PUBLIC_URL = 'https://imports.example.test/csv';
let service: TestService;
beforeAll(async () => {
  service = await startService({ env: { PUBLIC_URL }, inProcessWorker: false });
});
afterAll(async () => {
  await service?.stop();
});

async function nothingQueued(jobId: string) {
  const redis = createRedis(service.env.REDIS_URL!, 'worker');
  const queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
  try {
    expect(await queue.getJob(jobId)).toBeUndefined();
    expect(await redis.exists(statusKey(jobId))).toBe(0);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

describe('signature verification', () => {
  const payload = () => importRequest(uniqueJobId('sig'), 'uploads/a.csv');
  const signFor = (body: string, extra: Partial<Parameters<typeof signQstash>[0]> = {}) =>
    signQstash({ key: CURRENT_KEY, url: service.signedUrl, body, ...extra });

  const cases: [string, (body: string) => string | null][] = [
    ['no signature', () => null],
    ['a garbage signature', () => 'not-a-jwt'],
    ['a token signed with another key', (body) => signFor(body, { key: 'some-other-key' })],
    ['an expired token', (body) => signFor(body, { now: Date.now() - 3_600_000, expiresIn: 300 })],
    ['a token not yet valid', (body) => signFor(body, { claims: { nbf: Math.floor(Date.now() / 1000) + 3_600 } })],
    ['a token for another url', (body) => signFor(body, { url: 'https://evil.example.test/qstash/import' })],
    ['a token for another body', () => signFor('{"jobId":"other"}')],
    ['a token with alg none', (body) => signFor(body).split('.').slice(0, 2).join('.').replace(/^[^.]+/, Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')) + '.'],
    ['a token without a body claim', (body) => signFor(body, { claims: { body: undefined } })],
  ];

  for (const [label, sign] of cases) {
    it(`answers 401 and queues nothing for ${label}`, async () => {
      const request = payload();
      const body = JSON.stringify(request);
      const res = await service.deliver(undefined, { body, signature: sign(body) });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatch(/signature/i);
      await nothingQueued(request.jobId);
    });
  }

  it('accepts a token signed with the next signing key (key rotation)', async () => {
    const request = payload();
    const body = JSON.stringify(request);
    const res = await service.deliver(undefined, { body, signature: signQstash({ key: NEXT_KEY, url: service.signedUrl, body }) });
    expect(res.status).toBe(202);
  });
});

describe('payload validation', () => {
  const malformed: [string, unknown][] = [
    ['a missing jobId', { source: { key: 'a.csv' }, list: { name: 'x' } }],
    ['an all-digit jobId', importRequest('12345', 'a.csv')],
    // BullMQ refuses these; they used to pass the contract and get 503 on every redelivery.
    ['a jobId with a colon', importRequest('imp:2024-11-28', 'a.csv')],
    ['a negative integer jobId', importRequest('-42', 'a.csv')],
    ['a negative number jobId', importRequest('-3.5', 'a.csv')],
    ['a 10 kB jobId', importRequest('x'.repeat(10_000), 'a.csv')],
    ['a key with a .. segment', importRequest(uniqueJobId(), 'uploads/../secrets.csv')],
    ['an absolute key', importRequest(uniqueJobId(), '/etc/passwd')],
    ['a key with control characters', importRequest(uniqueJobId(), 'a\u0000b.csv')],
    ['an unknown top-level key', { ...importRequest(uniqueJobId(), 'a.csv'), bucket: 'other-bucket' }],
    ['a __proto__ key', JSON.parse(`{"jobId":"${uniqueJobId()}","source":{"key":"a.csv"},"list":{"name":"x"},"__proto__":{"admin":true}}`)],
    ['an unknown encoding', importRequest(uniqueJobId(), 'a.csv', { csv: { encoding: 'klingon-8' } })],
    ['a two-character quote', importRequest(uniqueJobId(), 'a.csv', { csv: { quote: '""' } })],
    ['metadata over 16 KiB', importRequest(uniqueJobId(), 'a.csv', { list: { name: 'x', metadata: { blob: 'y'.repeat(17_000) } } })],
  ];

  for (const [label, body] of malformed) {
    it(`answers 400 with zod issues and the non-retryable header for ${label}`, async () => {
      const res = await service.deliver(body);
      expect(res.status).toBe(400);
      expect(res.headers.get('upstash-nonretryable-error')).toBe('true');
      const answer = await res.json();
      expect(answer.issues.length).toBeGreaterThan(0);
      expect(answer.issues[0]).toHaveProperty('path');
    });
  }

  it('answers 400 for a body that is not JSON', async () => {
    const res = await service.deliver(undefined, { body: '{"jobId": ' });
    expect(res.status).toBe(400);
    expect(res.headers.get('upstash-nonretryable-error')).toBe('true');
  });

  it('answers 413 for a body over 64 KiB and queues nothing', async () => {
    const request = importRequest(uniqueJobId('big'), 'a.csv', { list: { name: 'x', metadata: { pad: 'z'.repeat(70_000) } } });
    const res = await service.deliver(request);
    expect(res.status).toBe(413);
    // The same body is as large on every redelivery: QStash must not retry it.
    expect(res.headers.get('upstash-nonretryable-error')).toBe('true');
    await nothingQueued(request.jobId);
  });
});
