import { Client, Receiver } from '@upstash/qstash';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from './capture-server.js';
import { startQstashServer, type QstashTestServer } from './qstash-server.js';

const TOKEN = 'qstash_test_token_9fKx';
const CURRENT = 'sig_qstash_stand_in_current';
const NEXT = 'sig_qstash_stand_in_next';

let qstash: QstashTestServer;
let endpoint: CaptureServer;
const receiver = new Receiver({ currentSigningKey: CURRENT, nextSigningKey: NEXT, devMode: false });

beforeAll(async () => {
  qstash = await startQstashServer({
    token: TOKEN,
    signingKey: CURRENT,
    route: (destination) => destination.replace('https://public.example.test', endpoint.url),
  });
  endpoint = await startCaptureServer();
});
afterEach(() => endpoint.setAnswer(() => ({ status: 200 })));
afterAll(async () => {
  await qstash?.stop();
  await endpoint?.stop();
});

/** The real SDK client; no retries of its own, so a refused publish shows at once. */
const client = (token = TOKEN) => new Client({ token, baseUrl: qstash.url, retry: false, devMode: false });
let paths = 0;
const uniquePath = (label: string) => `/${label}-${++paths}-${Date.now()}`;
const delivered = (path: string) => endpoint.requests().filter((r) => r.path === path);
const messageTo = (path: string) => qstash.messages().find((m) => m.destination.endsWith(path))!;

describe('the QStash stand-in, driven by the real @upstash/qstash Client', () => {
  it('accepts a publishJSON and delivers the body as is, signed for the destination, with the message id', async () => {
    const path = uniquePath('hook');
    const url = `${endpoint.url}${path}`;
    const body = { jobId: 'imp_1', note: 'Zoë 日本' };

    const answer = await client().publishJSON({ url, body });
    await qstash.idle();

    expect(answer.messageId).toMatch(/^msg_/);
    const [request] = delivered(path);
    expect(request).toMatchObject({ method: 'POST', body: JSON.stringify(body) });
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'upstash-message-id': answer.messageId,
      'upstash-retried': '0',
    });
    await expect(receiver.verify({ signature: request!.headers['upstash-signature']!, body: request!.body, url })).resolves.toBe(true);
    expect(delivered(path)).toHaveLength(1);
  });

  it('receives the path and headers the real Client sends: /v2/publish/<destination URL>, bearer token, method', async () => {
    const path = uniquePath('shape');
    await client().publishJSON({ url: `${endpoint.url}${path}?a=1`, body: {}, deduplicationId: 'shape-1' });

    const publish = qstash.publishes().at(-1)!;
    expect(publish.destination).toBe(`${endpoint.url}${path}?a=1`);
    expect(publish.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'upstash-method': 'POST',
      'content-type': 'application/json',
      'upstash-deduplication-id': 'shape-1',
    });
    expect(publish.status).toBe(201);
  });

  it('refuses a wrong token with 401 and delivers nothing', async () => {
    const path = uniquePath('unauthorized');
    const publishing = client('not-the-token').publishJSON({ url: `${endpoint.url}${path}`, body: {} });

    await expect(publishing).rejects.toMatchObject({ status: 401 });
    await qstash.idle();
    expect(delivered(path)).toEqual([]);
    expect(qstash.publishes().at(-1)).toMatchObject({ status: 401 });
  });

  it('accepts a second publish with the same deduplication id, answers the first message id, and delivers once', async () => {
    const path = uniquePath('dedup');
    const url = `${endpoint.url}${path}`;

    const first = await client().publishJSON({ url, body: { n: 1 }, deduplicationId: `dedup-${path}` });
    const second = await client().publishJSON({ url, body: { n: 2 }, deduplicationId: `dedup-${path}` });
    await qstash.idle();

    expect(second).toEqual({ messageId: first.messageId, deduplicated: true });
    expect(first.deduplicated).toBeUndefined();
    expect(delivered(path).map((r) => r.body)).toEqual(['{"n":1}']);
  });

  it('deduplicates on content when asked: the same body once, another body again', async () => {
    const path = uniquePath('content');
    const url = `${endpoint.url}${path}`;

    await client().publishJSON({ url, body: { same: true }, contentBasedDeduplication: true });
    await client().publishJSON({ url, body: { same: true }, contentBasedDeduplication: true });
    await client().publishJSON({ url, body: { same: false }, contentBasedDeduplication: true });
    await qstash.idle();

    expect(delivered(path).map((r) => r.body)).toEqual(['{"same":true}', '{"same":false}']);
  });

  it('retries a non-2xx answer, counting in Upstash-Retried, with a fresh valid signature each time', async () => {
    const path = uniquePath('retry');
    const url = `${endpoint.url}${path}`;
    endpoint.setAnswer((request) => ({ status: delivered(request.path).length < 3 ? 500 : 200 }));

    const { messageId } = await client().publishJSON({ url, body: { retry: true } });
    await qstash.idle();

    const requests = delivered(path);
    expect(requests.map((r) => r.headers['upstash-retried'])).toEqual(['0', '1', '2']);
    expect(new Set(requests.map((r) => r.headers['upstash-message-id']))).toEqual(new Set([messageId]));
    expect(new Set(requests.map((r) => r.headers['upstash-signature'])).size).toBe(3);
    for (const r of requests) {
      await expect(receiver.verify({ signature: r.headers['upstash-signature']!, body: r.body, url })).resolves.toBe(true);
    }
    expect(messageTo(path).state).toBe('delivered');
  });

  it('gives up after 1 + Upstash-Retries deliveries', async () => {
    const path = uniquePath('exhausted');
    endpoint.setAnswer(() => ({ status: 503 }));

    await client().publishJSON({ url: `${endpoint.url}${path}`, body: {}, retries: 1 });
    await qstash.idle();

    expect(delivered(path)).toHaveLength(2);
    expect(messageTo(path)).toMatchObject({ state: 'failed', retries: 1 });
  });

  it('stops retrying when the answer says Upstash-NonRetryable-Error: true', async () => {
    const path = uniquePath('non-retryable');
    endpoint.setAnswer(() => ({ status: 489, headers: { 'Upstash-NonRetryable-Error': 'true' } }));

    await client().publishJSON({ url: `${endpoint.url}${path}`, body: {} });
    await qstash.idle();

    expect(delivered(path)).toHaveLength(1);
    expect(messageTo(path).attempts).toEqual([expect.objectContaining({ status: 489, nonRetryable: true })]);
    expect(messageTo(path).state).toBe('failed');
  });

  it('retries a destination that cannot be reached, then gives up', async () => {
    const closed = await startCaptureServer();
    await closed.stop();
    const url = `${closed.url}/gone`;

    await client().publishJSON({ url, body: {}, retries: 2 });
    await qstash.idle();

    const message = qstash.messages().find((m) => m.destination === url)!;
    expect(message.attempts.map((a) => a.status)).toEqual([null, null, null]);
    expect(message.state).toBe('failed');
  });

  it('delivers Upstash-Forward-<Name> headers as <Name>', async () => {
    const path = uniquePath('forward');

    await client().publishJSON({ url: `${endpoint.url}${path}`, body: {}, headers: { 'X-Trace-Id': 'trace-42' } });
    await qstash.idle();

    expect(qstash.publishes().at(-1)!.headers['upstash-forward-x-trace-id']).toBe('trace-42');
    expect(delivered(path)[0]!.headers['x-trace-id']).toBe('trace-42');
  });

  it('signs for the destination URL when a proxy (route) is in front of it', async () => {
    const path = uniquePath('proxied');
    const publicUrl = `https://public.example.test${path}`;

    await client().publishJSON({ url: publicUrl, body: { proxied: true } });
    await qstash.idle();

    const [request] = delivered(path);
    const signature = request!.headers['upstash-signature']!;
    await expect(receiver.verify({ signature, body: request!.body, url: publicUrl })).resolves.toBe(true);
    await expect(receiver.verify({ signature, body: request!.body, url: `${endpoint.url}${path}` })).rejects.toThrow(/invalid subject/);
  });

  it('refuses a publish feature it does not emulate instead of ignoring it', async () => {
    const path = uniquePath('delay');

    await expect(client().publishJSON({ url: `${endpoint.url}${path}`, body: {}, delay: 10 })).rejects.toMatchObject({ status: 400 });
    await qstash.idle();
    expect(delivered(path)).toEqual([]);
  });
});

describe('the QStash stand-in for npm run dev (localDestinationsOnly)', () => {
  it('delivers to 127.0.0.1 and localhost, and refuses any other destination with a 400 naming it', async () => {
    const local = await startQstashServer({ token: TOKEN, signingKey: CURRENT, localDestinationsOnly: true });
    try {
      const sdk = new Client({ token: TOKEN, baseUrl: local.url, retry: false, devMode: false });
      const path = uniquePath('local');
      await sdk.publishJSON({ url: `${endpoint.url}${path}`, body: { n: 1 } });
      await sdk.publishJSON({ url: `${endpoint.url.replace('127.0.0.1', 'localhost')}${path}`, body: { n: 2 } });
      await expect(sdk.publishJSON({ url: 'https://app.example.test/hooks', body: {} })).rejects.toThrow(
        /delivers only to http:\/\/127\.0\.0\.1:… and http:\/\/localhost:…, not to https:\/\/app\.example\.test/,
      );
      await local.idle();
      expect(delivered(path).map((r) => JSON.parse(r.body))).toEqual([{ n: 1 }, { n: 2 }]);
      expect(local.messages()).toHaveLength(2);
    } finally {
      await local.stop();
    }
  });
});
