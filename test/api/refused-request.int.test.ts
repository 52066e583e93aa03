import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportClient } from '../../packages/client/src/index.js';
import { loadApiConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { listenApi, logSink, type ListeningApi } from '../helpers/api-in-process.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';
import { signQstash } from '../helpers/sign-qstash.js';

/** A request the api refuses after its signature checked out is visible to the app (DESIGN §3). */

const PREFIX = 'https://app.example.test/hooks/';
const QSTASH_TOKEN = 'qstash_refused_request_token';
let service: TestService;
let qstash: QstashTestServer;
let logged: ListeningApi;
const logs = logSink();

beforeAll(async () => {
  // No worker: a queued job stays queued, so a refused redelivery's effect on it shows.
  service = await startService({ inProcessWorker: false, apiEnv: { CALLBACK_URL_PREFIXES: PREFIX } });
  qstash = await startQstashServer({ token: QSTASH_TOKEN, signingKey: CURRENT_KEY });
  logged = await listenApi(loadApiConfig({ ...service.env, CALLBACK_URL_PREFIXES: PREFIX }), createLogger({ LOG_LEVEL: 'info' }, 'api', logs.stream));
});
afterAll(async () => {
  await logged?.close();
  await qstash?.stop();
  await service?.stop();
});

const loggedLines = () => logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a request refused with a 400', () => {
  it("leaves a failed REQUEST_INVALID document that the app's waitForImport resolves with at once", async () => {
    const jobId = uniqueJobId('foreign-callback');
    const client = createImportClient({
      qstashToken: QSTASH_TOKEN, qstashUrl: qstash.url, workerUrl: service.baseUrl, upstash: { url: service.upstash.url, token: service.upstash.token },
    });

    await client.requestImport({ ...importRequest(jobId, 'uploads/a.csv'), callbackUrl: 'https://elsewhere.example.test/hook' });
    const started = performance.now();
    const final = await client.waitForImport(jobId, { timeoutMs: 10_000, pollIntervalMs: 50 });

    expect(performance.now() - started).toBeLessThan(2_000);
    expect(final).toMatchObject({
      jobId, state: 'failed', attempt: 0,
      error: {
        code: 'REQUEST_INVALID', retryable: false,
        message: `the import request was refused: callbackUrl: callbackUrl must start with one of the allowed prefixes: ${PREFIX}`,
        issues: [{ code: 'custom', path: ['callbackUrl'], message: `callbackUrl must start with one of the allowed prefixes: ${PREFIX}` }],
      },
    });
    expect(final.finishedAt).toBeDefined();
  });

  it('names every bad field in the message and carries the zod issues', async () => {
    const jobId = uniqueJobId('bad-fields');

    const res = await service.deliver({ ...importRequest(jobId, 'uploads/a.csv'), list: { name: '' }, csv: { delimiter: 'x' } });

    expect(res.status).toBe(400);
    const doc = await service.status(jobId);
    expect(doc?.error?.code).toBe('REQUEST_INVALID');
    expect(doc?.error?.issues?.map((i) => i.path.join('.')).sort()).toEqual(['csv.delimiter', 'list.name']);
    expect(doc?.error?.message).toMatch(/^the import request was refused: .*list\.name: .*/);
    expect(doc?.error?.message).toMatch(/csv\.delimiter: /);
  });

  it('never overwrites the document of a job that exists', async () => {
    const jobId = uniqueJobId('exists');
    expect((await service.deliver(importRequest(jobId, 'uploads/a.csv'))).status).toBe(202);

    const refused = await service.deliver({ ...importRequest(jobId, 'uploads/a.csv'), list: { name: '' } });

    expect(refused.status).toBe(400);
    expect((await service.status(jobId))?.state).toBe('queued');
  });

  it('writes nothing when the jobId cannot be read, or the signature did not check out', async () => {
    const unreadable = 'job:1';
    const unsigned = uniqueJobId('unsigned');

    expect((await service.deliver({ ...importRequest(unreadable, 'uploads/a.csv'), list: { name: '' } })).status).toBe(400);
    expect((await service.deliver({ ...importRequest(unsigned, 'uploads/a.csv'), list: { name: '' } }, { signature: null })).status).toBe(401);

    expect(await service.status(unreadable)).toBeNull();
    expect(await service.status(unsigned)).toBeNull();
  });
});

describe('every refusal', () => {
  const post = (body: string, signature: string | null) =>
    fetch(`${logged.baseUrl}/qstash/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'upstash-signature': signature } : {}) },
      body,
    });
  const signed = (body: string) => signQstash({ key: CURRENT_KEY, url: `${logged.baseUrl}/qstash/import`, body });

  it('is logged with its status and what was wrong, and nothing of the signature or the body', async () => {
    const bad = JSON.stringify({ ...importRequest(uniqueJobId('logged'), 'uploads/secret-name.csv'), list: { name: '' } });
    const forged = 'eyJhbGciOiJIUzI1NiJ9.forged.signature';
    const large = JSON.stringify({ ...importRequest(uniqueJobId('large'), 'uploads/a.csv'), list: { name: 'L', metadata: { pad: 'x'.repeat(70_000) } } });

    expect((await post(bad, signed(bad))).status).toBe(400);
    expect((await post(bad, forged)).status).toBe(401);
    expect((await post(large, signed(large))).status).toBe(413);

    const refusals = loggedLines().filter((l) => l.msg === 'request refused');
    expect(refusals.map((l) => l.status)).toEqual([400, 401, 413]);
    expect(refusals[0]).toMatchObject({ path: '/qstash/import', reason: 'invalid import request', issues: [expect.stringMatching(/^list\.name: /)] });
    expect(refusals[1]).toMatchObject({ reason: 'invalid or expired signature' });
    expect(refusals[2]).toMatchObject({ reason: 'request body is larger than 64 KiB' });
    const text = logs.lines.join('');
    expect(text).not.toContain(forged);
    expect(text).not.toContain('secret-name');
  });
});
