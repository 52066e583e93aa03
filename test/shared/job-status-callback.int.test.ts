import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompletionCallbacks } from '../../src/shared/callbacks/completion-callbacks.js';
import type { StatusDocument } from '../../src/shared/contract.js';
import { ImportError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { JobStatus } from '../../src/shared/status/job-status.js';
import { createStatusStore } from '../../src/shared/status/status-store.js';
import { TEST_REDIS_URL } from '../helpers/env.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, uniqueJobId } from '../helpers/service.js';

const TOKEN = 'qstash_job_status_token';
const PREFIX = `test-callback-${process.pid}:job:`;
const log = createLogger({ LOG_LEVEL: 'silent' }, 'worker');

let qstash: QstashTestServer;
let redis: Redis;
beforeAll(async () => {
  qstash = await startQstashServer({ token: TOKEN, signingKey: CURRENT_KEY, retries: 0, deliveryTimeoutMs: 200 });
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  await qstash?.stop();
  redis?.disconnect();
});

const callbacks = () =>
  createCompletionCallbacks({ QSTASH_TOKEN: TOKEN, QSTASH_URL: qstash.url, CALLBACK_URL: 'https://app.example.test/done', CALLBACK_URL_PREFIXES: [] }, log);
const store = (upstashUrl?: string) =>
  createStatusStore({ UPSTASH_REDIS_REST_URL: upstashUrl, UPSTASH_REDIS_REST_TOKEN: upstashUrl && 't', STATUS_TTL_SECONDS: 60, STATUS_KEY_PREFIX: PREFIX }, redis);
const run = (jobId: string) => ({ jobId, attempt: 1, queuedAt: new Date().toISOString(), startedAt: new Date().toISOString() });
/** The states a callback was published for, by its deduplication id `callback:<jobId>:<attempt>:<state>`. */
const published = (jobId: string) =>
  qstash.publishes().flatMap((p) => {
    const id = p.headers['upstash-deduplication-id'] ?? '';
    return id.startsWith(`callback:${jobId}:`) ? [id.split(':').at(-1)!] : [];
  });

function statusFor(jobId: string, statusStore = store()): JobStatus {
  const sender = callbacks();
  return new JobStatus(run(jobId), statusStore, log, { onFinal: (doc: StatusDocument) => sender.send(doc, undefined) });
}

describe('JobStatus and the completion callback', () => {
  it('hands a final state it wrote to onFinal, and a retrying one not', async () => {
    const jobId = uniqueJobId('written');
    const status = statusFor(jobId);
    await status.failed('retrying', new ImportError('STORAGE_UNAVAILABLE', 'try later'));
    expect(published(jobId)).toEqual([]);

    await status.failed('failed', new ImportError('FILE_NOT_FOUND', 'gone'));

    expect(published(jobId)).toEqual(['failed']);
  });

  it('publishes nothing for a final state the store refused: another run said it first', async () => {
    const jobId = uniqueJobId('refused');
    await statusFor(jobId).cancelled();

    await statusFor(jobId).failed('failed', new ImportError('STALLED', 'too late'));

    expect(published(jobId)).toEqual(['cancelled']);
  });

  it('still publishes when the status store stays unreachable: the callback is then the only word of the outcome', async () => {
    const jobId = uniqueJobId('unreachable');
    await statusFor(jobId, store('http://127.0.0.1:9')).cancelled();
    expect(published(jobId)).toEqual(['cancelled']);
  }, 20_000);
});
