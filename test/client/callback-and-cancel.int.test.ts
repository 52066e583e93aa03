import { Client, Receiver } from '@upstash/qstash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportClient, InvalidImportCallbackError, InvalidImportRequestError, verifyImportCallback } from '../../packages/client/src/index.js';
import type { StatusDocument } from '../../src/shared/contract.js';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from '../helpers/capture-server.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, NEXT_KEY, uniqueJobId } from '../helpers/service.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { startUpstashServer, type UpstashTestServer } from '../helpers/upstash-server.js';
import { signQstash } from '../helpers/sign-qstash.js';

const TOKEN = 'qstash_callback_test_token';
const KEYS = { currentSigningKey: CURRENT_KEY, nextSigningKey: NEXT_KEY };

let qstash: QstashTestServer;
let rotated: QstashTestServer;
let app: CaptureServer;

beforeAll(async () => {
  qstash = await startQstashServer({ token: TOKEN, signingKey: CURRENT_KEY });
  // After a key rotation QStash signs with what was the next key.
  rotated = await startQstashServer({ token: TOKEN, signingKey: NEXT_KEY });
  app = await startCaptureServer();
});
afterAll(async () => {
  await qstash?.stop();
  await rotated?.stop();
  await app?.stop();
});

function finalDocument(jobId: string): StatusDocument {
  const at = new Date().toISOString();
  return {
    jobId, state: 'succeeded', attempt: 1, progress: { rows: 2, bytes: 10, totalBytes: 10, percent: 100 },
    result: { listId: '6f1c1f4e-5b1a-4c59-9d7e-2f1f0f9d1a11', rows: 2, columns: [{ key: 'a', name: 'a', type: 'string' }], skippedRows: 0, alreadyImported: false, nulCharactersRemoved: 0 },
    queuedAt: at, startedAt: at, finishedAt: at, updatedAt: at,
  };
}

/** Publishes a final document as the worker will (publishJSON to the callback URL) and returns what the app received. */
async function deliverCallback(through: QstashTestServer, doc: StatusDocument): Promise<{ url: string; request: CapturedRequest }> {
  const path = `/imports/callback/${doc.jobId}`;
  const url = `${app.url}${path}`;
  const publisher = new Client({ token: TOKEN, baseUrl: through.url, retry: false, devMode: false });
  await publisher.publishJSON({ url, body: doc, deduplicationId: `${doc.jobId}.${doc.state}` });
  await through.idle();
  return { url, request: app.requests().find((r) => r.path === path)! };
}

const signatureOf = (request: CapturedRequest) => request.headers['upstash-signature'];

describe('verifyImportCallback', () => {
  it('resolves with the status document of a callback QStash signed for this URL', async () => {
    const doc = finalDocument(uniqueJobId('callback'));
    const { url, request } = await deliverCallback(qstash, doc);

    await expect(verifyImportCallback({ signature: signatureOf(request), body: request.body, url }, KEYS)).resolves.toEqual(doc);
  });

  it('takes the body as bytes too, and is on the client object', async () => {
    const doc = finalDocument(uniqueJobId('bytes'));
    const { url, request } = await deliverCallback(qstash, doc);
    const client = createImportClient({ qstashToken: TOKEN, workerUrl: 'https://imports.example.test', upstash: { url: 'https://u.example.test', token: 't' } });

    const body = new TextEncoder().encode(request.body);
    await expect(client.verifyImportCallback({ signature: signatureOf(request), body, url }, KEYS)).resolves.toEqual(doc);
  });

  it('accepts a callback signed with the next key, during a rotation', async () => {
    const doc = finalDocument(uniqueJobId('rotated'));
    const { url, request } = await deliverCallback(rotated, doc);

    await expect(verifyImportCallback({ signature: signatureOf(request), body: request.body, url }, KEYS)).resolves.toEqual(doc);
  });

  it('throws on a body that is not the one signed', async () => {
    const doc = finalDocument(uniqueJobId('tampered'));
    const { url, request } = await deliverCallback(qstash, doc);
    const forged = request.body.replace('"succeeded"', '"failed"');

    const verifying = verifyImportCallback({ signature: signatureOf(request), body: forged, url }, KEYS);

    await expect(verifying).rejects.toBeInstanceOf(InvalidImportCallbackError);
    await expect(verifying).rejects.toThrow(/signature is not valid for .*: body hash does not match/);
  });

  it('throws on a signature made for another URL', async () => {
    const doc = finalDocument(uniqueJobId('elsewhere'));
    const { request } = await deliverCallback(qstash, doc);

    const verifying = verifyImportCallback({ signature: signatureOf(request), body: request.body, url: `${app.url}/another/endpoint` }, KEYS);

    await expect(verifying).rejects.toThrow(/invalid subject/);
  });

  it('throws on keys that are not the account signing keys', async () => {
    const doc = finalDocument(uniqueJobId('keys'));
    const { url, request } = await deliverCallback(qstash, doc);

    const verifying = verifyImportCallback(
      { signature: signatureOf(request), body: request.body, url },
      { currentSigningKey: 'sig_other_current', nextSigningKey: 'sig_other_next' },
    );

    await expect(verifying).rejects.toBeInstanceOf(InvalidImportCallbackError);
  });

  it('throws on a missing signature and on an expired one', async () => {
    const url = `${app.url}/imports/callback`;
    const body = JSON.stringify(finalDocument(uniqueJobId('expired')));
    const expired = signQstash({ key: CURRENT_KEY, url, body, now: Date.now() - 600_000 });

    await expect(verifyImportCallback({ signature: undefined, body, url }, KEYS)).rejects.toThrow('the callback has no Upstash-Signature header');
    await expect(verifyImportCallback({ signature: expired, body, url }, KEYS)).rejects.toThrow(/signature is not valid/);
  });

  it.each([
    ['no jobId', { hello: 'world' }],
    ['a state that is none of the job states', { jobId: 'imp_1', state: 'exploded' }],
  ])('throws on a correctly signed body that is not a status document: %s', async (_, value) => {
    const url = `${app.url}/imports/callback`;
    const body = JSON.stringify(value);

    await expect(verifyImportCallback({ signature: signQstash({ key: CURRENT_KEY, url, body }), body, url }, KEYS)).rejects.toThrow(
      'the callback body is not a status document (it needs a jobId and a state)',
    );
  });
});

describe('cancelImport', () => {
  let worker: CaptureServer;
  let upstash: UpstashTestServer;
  beforeAll(async () => {
    // Stands for the service, to see exactly what the client publishes (test/client/cancel-outcome.int.test.ts runs the real route).
    worker = await startCaptureServer(() => ({ status: 202 }));
    // Empty: no status document ever appears, so each cancel here ends `unknown`.
    upstash = await startUpstashServer({ redisUrl: TEST_REDIS_URL, token: 'cancel_test_token' });
  });
  afterAll(async () => {
    await worker?.stop();
    await upstash?.stop();
  });
  const client = () =>
    createImportClient({ qstashToken: TOKEN, qstashUrl: qstash.url, workerUrl: `${worker.url}/`, upstash: { url: upstash.url, token: 'cancel_test_token' } });
  const QUICK = { timeoutMs: 300, pollIntervalMs: 50 };

  it('publishes { jobId } to <workerUrl>/qstash/cancel through QStash, signed for that URL', async () => {
    const jobId = uniqueJobId('cancel');

    const result = await client().cancelImport(jobId, QUICK);
    await qstash.idle();

    expect(result).toEqual({ jobId, outcome: 'unknown', status: null });
    const [request] = worker.requests().filter((r) => r.body === JSON.stringify({ jobId }));
    expect(request).toMatchObject({ method: 'POST', path: '/qstash/cancel' });
    expect(request!.headers['content-type']).toBe('application/json');
    const receiver = new Receiver({ ...KEYS, devMode: false });
    await expect(receiver.verify({ signature: request!.headers['upstash-signature']!, body: request!.body, url: `${worker.url}/qstash/cancel` })).resolves.toBe(true);
  });

  it('is deduplicated per job, apart from the import of that job', async () => {
    const jobId = uniqueJobId('cancel-twice');

    await client().cancelImport(jobId, QUICK);
    await client().cancelImport(jobId, QUICK);
    await qstash.idle();

    const published = qstash.publishes().filter((p) => p.destination.endsWith('/qstash/cancel') && p.headers['upstash-deduplication-id'] === `cancel:${jobId}`);
    expect(published.map((p) => p.deduplicated)).toEqual([false, true]);
    expect(worker.requests().filter((r) => r.body === JSON.stringify({ jobId }))).toHaveLength(1);
  });

  it('refuses a jobId the contract refuses and publishes nothing', async () => {
    const before = qstash.publishes().length;

    await expect(client().cancelImport('job:1')).rejects.toBeInstanceOf(InvalidImportRequestError);
    expect(qstash.publishes()).toHaveLength(before);
  });
});
