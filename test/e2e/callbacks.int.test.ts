import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportClient, verifyImportCallback, type ImportClient } from '../../packages/client/src/index.js';
import { QSTASH_CANCEL_PATH } from '../../src/api/routes/qstash-cancel.js';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import type { StatusDocument } from '../../src/shared/contract.js';
import type { ImportJobData } from '../../src/shared/queues.js';
import { postSigned, spawnApi, stopApi, type ApiProcess } from '../helpers/api-process.js';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from '../helpers/capture-server.js';
import { recordFigures } from '../helpers/figures.js';
import { listen } from '../helpers/listen.js';
import { openImportQueue, type ImportQueueHandle } from '../helpers/import-queue.js';
import { startWorkers, type StartedWorker } from '../helpers/processes.js';
import { startQstashServer, type QstashTestServer } from '../helpers/qstash-server.js';
import { CURRENT_KEY, importRequest, NEXT_KEY, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// The api and two workers are processes of their own, publishing through the real QStash client to
// the stand-in, which delivers signed requests to the app's endpoint below, as QStash would.
const QSTASH_TOKEN = 'qstash_callback_e2e_token';
const KEYS = { currentSigningKey: CURRENT_KEY, nextSigningKey: NEXT_KEY };

let qstash: QstashTestServer;
let front: QstashFront;
let app: CaptureServer;
let service: TestService;
let api: ApiProcess;
let client: ImportClient;
let bull: ImportQueueHandle;
let queue: Queue<ImportJobData>;
const workers: StartedWorker[] = [];

beforeAll(async () => {
  qstash = await startQstashServer({ token: QSTASH_TOKEN, signingKey: CURRENT_KEY });
  front = await startQstashFront(qstash.url);
  app = await startCaptureServer();
  service = await startService({
    inProcessWorker: false,
    env: {
      QSTASH_TOKEN,
      QSTASH_URL: front.url,
      CALLBACK_URL: `${app.url}/callbacks/default`,
      CALLBACK_URL_PREFIXES: `https://elsewhere.example.test/hooks/, ${app.url}/callbacks/`,
    },
    workerEnv: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' },
  });
  api = await spawnApi(service.env);
  client = createImportClient({
    qstashToken: QSTASH_TOKEN,
    qstashUrl: qstash.url,
    workerUrl: api.baseUrl,
    upstash: { url: service.upstash.url, token: service.upstash.token },
  });
  bull = openImportQueue(service);
  queue = bull.queue;
  workers.push(...(await startWorkers(() => service.spawnWorker(), 2)));
});
afterAll(async () => {
  await stopApi(api);
  await bull?.close();
  await service?.stop();
  await front?.stop();
  await qstash?.stop();
  await app?.stop();
});

const csv = (rows: number) => `n,label\n${Array.from({ length: rows }, (_, i) => `${i},"row ${i}"`).join('\n')}\n`;
const callbackUrlOf = (jobId: string) => `${app.url}/callbacks/${jobId}?tenant=t1`;
const received = (path: string, jobId: string): CapturedRequest[] =>
  app.requests().filter((r) => r.path === path && (JSON.parse(r.body) as StatusDocument).jobId === jobId);

async function upload(jobId: string, rows: number): Promise<string> {
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, csv(rows));
  return key;
}

/** The job ended in BullMQ too (its `failed` handler has had its say), and QStash delivered all it took. */
async function settled(jobId: string): Promise<void> {
  await expect.poll(() => queue.getJobState(jobId), { timeout: 10_000 }).toMatch(/^(completed|failed|unknown)$/);
  await qstash.idle();
}

/** The one callback the app received for the job at `path`, verified as the app verifies it. */
async function theCallback(path: string, jobId: string): Promise<{ request: CapturedRequest; doc: StatusDocument }> {
  await expect.poll(() => received(path, jobId).length, { timeout: 15_000, interval: 50 }).toBeGreaterThan(0);
  await settled(jobId);
  const requests = received(path, jobId);
  expect(requests).toHaveLength(1);
  const request = requests[0]!;
  const doc = await verifyImportCallback({ signature: request.headers['upstash-signature'], body: request.body, url: `${app.url}${path}` }, KEYS);
  return { request, doc };
}

/** How long the job's end in BullMQ came after its final status: what publishing the callback took. */
async function heldMs(jobId: string, doc: StatusDocument): Promise<number> {
  const job = await queue.getJob(jobId);
  return job!.finishedOn! - Date.parse(doc.finishedAt!);
}

const post = (path: string, payload: unknown) => postSigned(api, path, payload);

const workerLines = (msg: RegExp, jobId: string) => workers.flatMap((w) => w.logs.find(msg)).filter((l) => l.jobId === jobId);

describe('completion callbacks', () => {
  it('delivers one signed callback whose body is the final status document when the client’s import succeeds', async () => {
    const jobId = uniqueJobId('callback-ok');
    const callbackUrl = callbackUrlOf(jobId);
    await client.requestImport(importRequest(jobId, await upload(jobId, 300), { callbackUrl }));

    const final = await client.waitForImport(jobId, { timeoutMs: 30_000, pollIntervalMs: 100 });
    expect(final.state).toBe('succeeded');
    const { request, doc } = await theCallback(new URL(callbackUrl).pathname + new URL(callbackUrl).search, jobId);

    expect(doc).toEqual(await client.getImportStatus(jobId));
    expect(doc).toMatchObject({ state: 'succeeded', result: { rows: 300 } });
    expect(request.headers['content-type']).toBe('application/json');
    const published = qstash.publishes().filter((p) => p.destination === callbackUrl);
    expect(published.map((p) => p.headers['upstash-deduplication-id'])).toEqual([`callback:${jobId}:1:succeeded`]);
    expect(received(`/callbacks/default`, jobId)).toEqual([]);
    recordFigures('callbacks', 'callback published', { heldMs: await heldMs(jobId, doc) });
  });

  it('delivers a failed callback to CALLBACK_URL for a job without callbackUrl whose file is missing, once', async () => {
    const jobId = uniqueJobId('callback-missing');
    expect((await post(QSTASH_IMPORT_PATH, importRequest(jobId, `uploads/${jobId}.csv`))).status).toBe(202);

    // The processor writes `failed`; BullMQ's `failed` handler writes it again and is refused, so
    // it publishes nothing: still one callback.
    const { doc } = await theCallback('/callbacks/default', jobId);

    expect(doc).toMatchObject({ jobId, state: 'failed', error: { retryable: false } });
    expect(doc.error?.message).toContain(`uploads/${jobId}.csv`);
    expect(doc).toEqual(await service.status(jobId));
    // Publishes, not messages: QStash would drop a second one by its id, and the app never know.
    expect(qstash.publishes().filter((p) => p.headers['upstash-deduplication-id'] === `callback:${jobId}:1:failed`)).toHaveLength(1);
  });

  it('delivers a second failed callback when an operator retries a failed job and it fails again', async () => {
    const jobId = uniqueJobId('callback-retried');
    const path = `/callbacks/${jobId}?tenant=t1`;
    expect((await post(QSTASH_IMPORT_PATH, importRequest(jobId, `uploads/${jobId}.csv`, { callbackUrl: callbackUrlOf(jobId) }))).status).toBe(202);
    await theCallback(path, jobId);

    // What the dashboard's retry does; the file is still missing.
    await (await queue.getJob(jobId))!.retry('failed');
    await expect.poll(() => received(path, jobId).length, { timeout: 15_000, interval: 50 }).toBe(2);
    await settled(jobId);

    const docs = await Promise.all(
      received(path, jobId).map((r) => verifyImportCallback({ signature: r.headers['upstash-signature'], body: r.body, url: `${app.url}${path}` }, KEYS)),
    );
    expect(docs.map((d) => [d.state, d.attempt, d.error?.code])).toEqual([
      ['failed', 1, 'FILE_NOT_FOUND'],
      ['failed', 2, 'FILE_NOT_FOUND'],
    ]);
    expect(docs[1]).toEqual(await service.status(jobId));
  });

  it('delivers a cancelled callback for a running import cancelled through the api', async () => {
    const jobId = uniqueJobId('callback-cancel');
    const key = await upload(jobId, 40_000);
    service.s3.faults.set(key, { kind: 'throttle', bytesPerSecond: 80_000 });
    expect((await post(QSTASH_IMPORT_PATH, importRequest(jobId, key, { callbackUrl: callbackUrlOf(jobId) }))).status).toBe(202);
    await expect.poll(async () => (await service.status(jobId))?.progress.rows ?? 0, { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);

    expect((await post(QSTASH_CANCEL_PATH, { jobId })).status).toBe(202);
    const { doc } = await theCallback(`/callbacks/${jobId}?tenant=t1`, jobId);

    expect(doc).toMatchObject({ jobId, state: 'cancelled', error: { code: 'CANCELLED' } });
    expect(doc).toEqual(await service.status(jobId));
  });

  it('delivers a cancelled callback from the api for a job cancelled while it waited in the queue', async () => {
    await queue.pause();
    try {
      const jobId = uniqueJobId('callback-queued');
      expect((await post(QSTASH_IMPORT_PATH, importRequest(jobId, await upload(jobId, 10), { callbackUrl: callbackUrlOf(jobId) }))).status).toBe(202);
      expect(await queue.getJobState(jobId)).toBe('waiting');

      expect((await post(QSTASH_CANCEL_PATH, { jobId })).status).toBe(200);
      const { doc } = await theCallback(`/callbacks/${jobId}?tenant=t1`, jobId);

      expect(doc).toMatchObject({ jobId, state: 'cancelled', attempt: 0, error: { code: 'CANCELLED' } });
      expect(workerLines(/^import started$/, jobId)).toEqual([]);
    } finally {
      await queue.resume();
    }
  });

  it('answers 400, not to be retried, for a callbackUrl outside CALLBACK_URL_PREFIXES, and queues nothing', async () => {
    const outside = [
      'https://attacker.example.test/callbacks/',
      `${app.url}/callbacksX`,
      `${app.url}/callbacks/../admin`,
      `${app.url.replace('127.0.0.1', '127.0.0.1.nip.example.test')}/callbacks/`,
      'ftp://elsewhere.example.test/hooks/x',
    ];
    for (const callbackUrl of outside) {
      const jobId = uniqueJobId('callback-outside');
      const res = await post(QSTASH_IMPORT_PATH, importRequest(jobId, `uploads/${jobId}.csv`, { callbackUrl }));
      expect(res.status, callbackUrl).toBe(400);
      expect(res.headers.get('upstash-nonretryable-error')).toBe('true');
      expect(JSON.stringify(await res.json())).toMatch(/callbackUrl/);
      expect(await queue.getJob(jobId)).toBeUndefined();
    }
    const allowed = uniqueJobId('callback-other-prefix');
    const res = await post(QSTASH_IMPORT_PATH, importRequest(allowed, await upload(allowed, 5), { callbackUrl: 'https://elsewhere.example.test/hooks/a' }));
    expect(res.status).toBe(202);
  });

  it.each([
    ['answers 500', 'fail'],
    ['cuts every connection', 'unreachable'],
    ['never answers', 'silent'],
  ] as const)('lets the import succeed when QStash %s, retrying the publish and then logging an error', async (_, mode) => {
    front.setMode(mode);
    try {
      const jobId = uniqueJobId(`callback-${mode}`);
      const callbackUrl = callbackUrlOf(jobId);
      expect((await post(QSTASH_IMPORT_PATH, importRequest(jobId, await upload(jobId, 50), { callbackUrl }))).status).toBe(202);

      const status = await service.waitForState(jobId, ['succeeded', 'failed', 'cancelled']);
      expect(status.state).toBe('succeeded');
      await expect.poll(() => workerLines(/^could not publish the completion callback/, jobId).length, { timeout: 20_000 }).toBe(1);
      const [line] = workerLines(/^could not publish the completion callback/, jobId);
      expect(line).toMatchObject({ level: 50, jobId, state: 'succeeded', callbackHost: new URL(app.url).host });
      expect(JSON.stringify(line)).not.toContain(`/callbacks/${jobId}`);
      expect(JSON.stringify(line)).not.toContain('tenant=t1');
      expect(JSON.stringify(line)).not.toContain(QSTASH_TOKEN);
      expect(front.refused(callbackUrl)).toBe(4);
      await expect.poll(() => queue.getJobState(jobId), { timeout: 5_000 }).toBe('completed');
      recordFigures('callbacks', `publish given up (QStash ${mode})`, { heldMs: await heldMs(jobId, status) });
      const { rows } = await service.db.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
      expect(rows[0].n).toBe(1);
      expect(received(`/callbacks/${jobId}?tenant=t1`, jobId)).toEqual([]);
    } finally {
      front.setMode('forward');
    }
  });
});

type FrontMode = 'forward' | 'fail' | 'unreachable' | 'silent';

interface QstashFront {
  url: string;
  setMode(mode: FrontMode): void;
  /** Publishes to `destination` answered 500, cut or left unanswered. */
  refused(destination: string): number;
  stop(): Promise<void>;
}

/** In front of the QStash stand-in: passes publishes through, or fails them as an outage would (a silent one answers never). */
async function startQstashFront(target: string): Promise<QstashFront> {
  let mode: FrontMode = 'forward';
  const refusals: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (mode !== 'forward') {
        refusals.push(decodeURIComponent((req.url ?? '').replace(/^\/v2\/publish\//, '')));
        if (mode === 'unreachable') req.socket.destroy();
        else if (mode === 'fail') res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)),
      ) as Record<string, string>;
      void fetch(`${target}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await listen(server, 0);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setMode(next) {
      mode = next;
    },
    refused: (destination) => refusals.filter((d) => d === destination).length,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
