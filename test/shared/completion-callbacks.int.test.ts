import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedCallbackUrl } from '../../src/shared/callbacks/callback-url.js';
import {
  callbackDeduplicationId,
  createCompletionCallbacks,
  type CallbackPublishOutcome,
  type CompletionCallbackConfig,
} from '../../src/shared/callbacks/completion-callbacks.js';
import { FINAL_STATES, JobId, type StatusDocument } from '../../src/shared/contract.js';
import { createLogger } from '../../src/shared/logger.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, uniqueJobId } from '../helpers/service.js';

const TOKEN = 'qstash_callbacks_unit_token';
const APP = 'https://app.example.test/hooks/';

let qstash: QstashTestServer;
beforeAll(async () => {
  // Delivery to the app's (unreachable) host is not what these tests look at: publishes are.
  qstash = await startQstashServer({ token: TOKEN, signingKey: CURRENT_KEY, retries: 0, deliveryTimeoutMs: 200 });
});
afterAll(() => qstash?.stop());

function logged() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const outcomes: CallbackPublishOutcome[] = [];
  return { log: createLogger({ LOG_LEVEL: 'debug' }, 'worker', stream), lines, outcomes, count: (o: CallbackPublishOutcome) => void outcomes.push(o) };
}

function finalDoc(jobId: string): StatusDocument {
  const at = new Date().toISOString();
  return { jobId, state: 'failed', attempt: 1, progress: { rows: 0, bytes: 0, totalBytes: 0, percent: 0 }, queuedAt: at, updatedAt: at, finishedAt: at };
}

const config = (overrides: Partial<CompletionCallbackConfig> = {}): CompletionCallbackConfig => ({
  QSTASH_TOKEN: TOKEN, QSTASH_URL: qstash.url, CALLBACK_URL_PREFIXES: [APP], ...overrides,
});
const publishesOf = (jobId: string) => qstash.publishes().filter((p) => p.headers['upstash-deduplication-id'] === `callback:${jobId}:1:failed`);

describe('completion callbacks', () => {
  it('publishes nothing without QSTASH_TOKEN, or without a URL for the job, and says so at debug level', async () => {
    const { log, lines, outcomes, count } = logged();
    const noToken = uniqueJobId('no-token');
    const noUrl = uniqueJobId('no-url');

    await createCompletionCallbacks(config({ QSTASH_TOKEN: undefined, CALLBACK_URL: `${APP}default` }), log, count).send(finalDoc(noToken), `${APP}x`);
    await createCompletionCallbacks(config(), log, count).send(finalDoc(noUrl), undefined);

    expect([...publishesOf(noToken), ...publishesOf(noUrl)]).toEqual([]);
    expect(lines.filter((l) => l.msg === 'no completion callback').map((l) => [l.level, l.jobId, l.reason])).toEqual([
      [20, noToken, 'no QSTASH_TOKEN'],
      [20, noUrl, 'no callbackUrl and no CALLBACK_URL'],
    ]);
    expect(outcomes).toEqual(['skipped', 'skipped']);
  });

  it('uses CALLBACK_URL for a job without callbackUrl, deduplicated as callback:<jobId>:<attempt>:<state>', async () => {
    const { log, outcomes, count } = logged();
    const jobId = uniqueJobId('default-url');

    await createCompletionCallbacks(config({ CALLBACK_URL: 'https://ops.example.test/imports' }), log, count).send(finalDoc(jobId), undefined);

    expect(publishesOf(jobId).map((p) => [p.status, p.destination])).toEqual([[201, 'https://ops.example.test/imports']]);
    expect(outcomes).toEqual(['delivered']);
  });

  it('does not publish to a callbackUrl outside the prefixes it runs with (a job queued under other settings)', async () => {
    const { log, lines, outcomes, count } = logged();
    const jobId = uniqueJobId('outside');

    await createCompletionCallbacks(config({ CALLBACK_URL: `${APP}default` }), log, count).send(finalDoc(jobId), 'https://other.example.test/hooks/x');

    expect(publishesOf(jobId)).toEqual([]);
    expect(lines.find((l) => l.jobId === jobId)).toMatchObject({ level: 40, callbackHost: 'other.example.test' });
    expect(outcomes).toEqual(['refused']);
  });

  it('does not retry what QStash refuses for good (a wrong token), and logs it as an error', async () => {
    const { log, lines, outcomes, count } = logged();
    const jobId = uniqueJobId('wrong-token');

    await createCompletionCallbacks(config({ QSTASH_TOKEN: 'not-the-token' }), log, count).send(finalDoc(jobId), `${APP}x?secret=s3cr3t-value`);

    expect(publishesOf(jobId).map((p) => p.status)).toEqual([401]);
    const line = lines.find((l) => l.msg === 'could not publish the completion callback; the app will not be called');
    expect(line).toMatchObject({ level: 50, jobId, state: 'failed', callbackHost: 'app.example.test' });
    expect(JSON.stringify(line)).not.toContain('s3cr3t');
    expect(outcomes).toEqual(['failed']);
  });

  it('gives every job, attempt and final state its own deduplication id, never one an import or a cancel of any jobId publishes with', () => {
    const jobIds = ['x', 'x.succeeded', 'x.failed', 'x.cancelled', 'x.succeeded.failed', 'x.1', 'x.1.failed'];
    const ids = jobIds.flatMap((jobId) =>
      [1, 2, 11].flatMap((attempt) => FINAL_STATES.map((state) => callbackDeduplicationId({ ...finalDoc(jobId), attempt, state }))),
    );
    expect(new Set(ids).size).toBe(jobIds.length * 3 * FINAL_STATES.length);
    // What the client publishes an import and a cancel with: the jobId, and `cancel:<jobId>`.
    for (const id of ids) {
      expect(JobId.safeParse(id).success, id).toBe(false);
      expect(id.startsWith('cancel:'), id).toBe(false);
    }
    expect(callbackDeduplicationId({ ...finalDoc('imp_1.failed'), attempt: 2, state: 'failed' })).toBe('callback:imp_1.failed:2:failed');
  });

  it('keeps QSTASH_TOKEN out of the logs', () => {
    const { log, lines } = logged();
    log.info({ config: { QSTASH_TOKEN: TOKEN } }, 'settings');
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});

describe('isAllowedCallbackUrl', () => {
  it.each([
    [`${APP}imports/1`, true],
    [`${APP}`, true],
    ['https://app.example.test/hooksX', false],
    ['https://app.example.test/hooks/../admin', false],
    ['https://app.example.test.evil.test/hooks/', false],
    ['http://app.example.test/hooks/1', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedCallbackUrl(url, [APP])).toBe(allowed);
  });

  it.each([
    ['http://localhost:4000/webhooks/csv-import', true],
    ['http://localhost:80/x', false], // the parser drops the scheme's own port, and then there is none
    ['http://localhost/x', false],
    ['http://localhost.evil.test:4000/x', false],
    ['http://localhost:4000@evil.test/x', false],
    ['http://localhost:4000/x/../y', true],
    ['https://localhost:4000/x', false],
  ])('a prefix with any port (http://localhost:*/): %s → %s', (url, allowed) => {
    expect(isAllowedCallbackUrl(url, ['http://localhost:*/'])).toBe(allowed);
  });

  it('allows nothing without prefixes', () => {
    expect(isAllowedCallbackUrl(`${APP}x`, [])).toBe(false);
  });
});
