import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyImportCallback } from '../../packages/client/src/index.js';
import { QSTASH_CANCEL_PATH } from '../../src/api/routes/qstash-cancel.js';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import type { StatusDocument } from '../../src/shared/contract.js';
import type { ImportJobData } from '../../src/shared/queues.js';
import { postSigned, spawnApi, stopApi, type ApiProcess } from '../helpers/api-process.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { openImportQueue, type ImportQueueHandle } from '../helpers/import-queue.js';
import { startWorkers } from '../helpers/processes.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, importRequest, NEXT_KEY, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// The api runs 5 s behind the worker, as two hosts' clocks may: the order of their writes to a
// job's status must not depend on it (DESIGN §3).
const API_CLOCK_SKEW_MS = -5_000;
const SKEWED_CLOCK = new URL('../helpers/skewed-clock.ts', import.meta.url).pathname;
const QSTASH_TOKEN = 'qstash_clock_skew_token';

let qstash: QstashTestServer;
let app: CaptureServer;
let service: TestService;
let api: ApiProcess;
let bull: ImportQueueHandle;
let queue: Queue<ImportJobData>;

beforeAll(async () => {
  qstash = await startQstashServer({ token: QSTASH_TOKEN, signingKey: CURRENT_KEY });
  app = await startCaptureServer();
  service = await startService({
    inProcessWorker: false,
    // A failed attempt waits a minute for the next: long enough to cancel it while `retrying`.
    env: { JOB_BACKOFF_MS: '60000', QSTASH_TOKEN, QSTASH_URL: qstash.url, CALLBACK_URL_PREFIXES: `${app.url}/callbacks/` },
    workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' },
  });
  // The test signs with this process's clock; the api's, 5 s behind, must still accept it.
  api = await spawnApi({ ...service.env, TEST_CLOCK_SKEW_MS: String(API_CLOCK_SKEW_MS), QSTASH_CLOCK_TOLERANCE_SECONDS: '10' }, SKEWED_CLOCK);
  bull = openImportQueue(service);
  queue = bull.queue;
  await startWorkers(() => service.spawnWorker(), 1);
});
afterAll(async () => {
  await stopApi(api);
  await bull?.close();
  await service?.stop();
  await qstash?.stop();
  await app?.stop();
});

const post = (path: string, payload: unknown) => postSigned(api, path, payload);

describe('status writes from hosts whose clocks disagree', () => {
  it('ends a retrying job cancelled through an api whose clock runs 5 s behind the worker, with its callback', async () => {
    const jobId = uniqueJobId('skewed-cancel');
    const key = `uploads/${jobId}.csv`;
    const path = `/callbacks/${jobId}`;
    await service.s3.storage.put(key, 'n,label\n1,a\n');
    service.s3.faults.set(key, { kind: 'status', status: 503, method: 'HEAD' });
    expect((await post(QSTASH_IMPORT_PATH, importRequest(jobId, key, { callbackUrl: `${app.url}${path}` }))).status).toBe(202);
    const retrying = await service.waitForState(jobId, ['retrying']);
    await bull.waitForState(jobId, 'delayed');

    const res = await post(QSTASH_CANCEL_PATH, { jobId });
    expect([res.status, await res.json()]).toEqual([200, { jobId, state: 'cancelled' }]);

    const status = await service.waitForState(jobId, ['cancelled'], 5_000);
    expect(status).toMatchObject({ state: 'cancelled', attempt: 1, error: { code: 'CANCELLED' } });
    // The api's stamp is earlier than the worker's, and the store took its write all the same.
    expect(Date.parse(status.updatedAt)).toBeLessThan(Date.parse(retrying.updatedAt));
    expect(status.revision).toBeGreaterThan(retrying.revision!);
    await expect.poll(() => app.requests().filter((r) => r.path === path).length, { timeout: 15_000, interval: 50 }).toBe(1);
    const [request] = app.requests().filter((r) => r.path === path);
    const doc: StatusDocument = await verifyImportCallback(
      { signature: request!.headers['upstash-signature'], body: request!.body, url: `${app.url}${path}` },
      { currentSigningKey: CURRENT_KEY, nextSigningKey: NEXT_KEY },
    );
    expect(doc).toEqual(status);
    expect(await queue.getJob(jobId)).toBeUndefined();
  });
});
