import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../src/api/create-api.js';
import { QSTASH_CANCEL_PATH } from '../../src/api/routes/qstash-cancel.js';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import { QUEUE } from '../../src/shared/queues.js';
import { loadApiConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { parsePrometheusText, type Scrape } from '../helpers/prometheus-text.js';
import { startQstashServer } from '../helpers/qstash-server.js';
import { signQstash } from '../helpers/sign-qstash.js';
import { CURRENT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const TOKEN = 'metrics-token-for-the-api-test';
let service: TestService;
const extra: Array<{ api: Api; server: Server }> = [];

beforeAll(async () => {
  // No worker: the jobs stay waiting, so the queue's gauges and the wait time have something to show.
  service = await startService({ inProcessWorker: false, apiEnv: { METRICS_TOKEN: TOKEN } });
});
afterAll(async () => {
  for (const { api, server } of extra) {
    server.close();
    await api.close();
  }
  await service?.stop();
});

async function scrape(baseUrl = service.baseUrl): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

const deliveries = (s: Scrape, outcome: string) => s.value('csv_import_webhook_deliveries_total', { outcome });

/** Another api in this process, on the service's database and queue, with settings of its own. */
async function startExtraApi(env: Record<string, string>): Promise<string> {
  const api = createApi(loadApiConfig({ ...service.env, ...env }), createLogger({ LOG_LEVEL: 'silent' }, 'api'));
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  extra.push({ api, server });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the api /metrics', () => {
  it('refuses a scrape without the bearer token, or with another one, with 401', async () => {
    const none = await fetch(`${service.baseUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('csv_import');
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
      expect((await fetch(`${service.baseUrl}/metrics`, { headers: { authorization } })).status).toBe(401);
    }
  });

  it('is a 404 when METRICS_TOKEN is not set, with a token or without', async () => {
    const baseUrl = await startExtraApi({ METRICS_TOKEN: '' });
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it("serves BullMQ's queue gauges, the oldest waiting job's age and process metrics in one well-formed text", async () => {
    const jobId = uniqueJobId('gauges');
    await service.s3.storage.put(`uploads/${jobId}.csv`, 'a\n1\n');
    expect((await service.deliver(importRequest(jobId, `uploads/${jobId}.csv`))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_100));
    const s = await scrape();
    expect(s.types.get('bullmq_job_count')).toBe('gauge');
    expect(s.value('bullmq_job_count', { queue: QUEUE.importCsv, state: 'waiting' })).toBeGreaterThanOrEqual(1);
    expect(s.value('bullmq_job_count', { queue: QUEUE.importCsv, state: 'failed' })).toBe(0);
    expect(s.value('csv_import_queue_up')).toBe(1);
    expect(s.value('csv_import_queue_oldest_waiting_seconds')).toBeGreaterThanOrEqual(1);
    expect(s.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(s.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts each webhook delivery once by outcome: accepted, duplicate, bad_signature, bad_request', async () => {
    const before = await scrape();
    const jobId = uniqueJobId('counted');
    const payload = importRequest(jobId, `uploads/${jobId}.csv`);
    expect((await service.deliver(payload)).status).toBe(202);
    expect((await service.deliver(payload)).status).toBe(200);
    expect((await service.deliver(payload)).status).toBe(200);
    expect((await service.deliver(payload, { signature: 'not-a-jwt' })).status).toBe(401);
    expect((await service.deliver(payload, { signature: null })).status).toBe(401);
    expect((await service.deliver({ jobId: 'no source' })).status).toBe(400);
    const huge = JSON.stringify({ ...payload, list: { name: 'x', metadata: { pad: 'x'.repeat(70_000) } } });
    expect((await service.deliver(undefined, { body: huge })).status).toBe(413);
    const after = await scrape();
    const moved = (outcome: string) => deliveries(after, outcome)! - deliveries(before, outcome)!;
    expect({
      accepted: moved('accepted'), duplicate: moved('duplicate'), bad_signature: moved('bad_signature'),
      bad_request: moved('bad_request'), unavailable: moved('unavailable'),
    }).toEqual({ accepted: 1, duplicate: 2, bad_signature: 2, bad_request: 2, unavailable: 0 });
  });

  it('counts a delivery Redis cannot take as unavailable and says the queue is down, yet still answers the scrape', async () => {
    const baseUrl = await startExtraApi({ REDIS_URL: 'redis://127.0.0.1:1', METRICS_TOKEN: TOKEN });
    const body = JSON.stringify(importRequest(uniqueJobId('down'), 'a.csv'));
    const res = await fetch(`${baseUrl}/qstash/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: CURRENT_KEY, url: `${baseUrl}/qstash/import`, body }) },
      body,
    });
    expect(res.status).toBe(503);
    const s = await scrape(baseUrl);
    expect(deliveries(s, 'unavailable')).toBe(1);
    expect(deliveries(s, 'accepted')).toBe(0);
    expect(s.value('csv_import_queue_up')).toBe(0);
    expect(s.value('bullmq_job_count', { state: 'waiting' })).toBeUndefined();
  });

  it('counts the callback of a job cancelled while queued: delivered when QStash takes it, failed when it refuses', async () => {
    const qstashToken = 'qstash-token-for-the-api-metrics-test';
    const qstash = await startQstashServer({ token: qstashToken, signingKey: CURRENT_KEY, retries: 0, deliveryTimeoutMs: 200 });
    try {
      const APP = 'https://app.example.test/hooks/';
      const callbacksEnv = { METRICS_TOKEN: TOKEN, QSTASH_URL: qstash.url, CALLBACK_URL_PREFIXES: APP };
      const publishes = async (baseUrl: string) => {
        const post = (path: string, payload: unknown) => {
          const body = JSON.stringify(payload);
          const url = `${baseUrl}${path}`;
          return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: CURRENT_KEY, url, body }) }, body });
        };
        const jobId = uniqueJobId('callback-counted');
        // No worker takes it: the cancel finds it waiting, and this api publishes its callback.
        expect((await post(QSTASH_IMPORT_PATH, importRequest(jobId, `uploads/${jobId}.csv`, { callbackUrl: `${APP}${jobId}` }))).status).toBe(202);
        expect((await post(QSTASH_CANCEL_PATH, { jobId })).status).toBe(200);
        const s = await scrape(baseUrl);
        const outcomes = ['delivered', 'failed', 'skipped', 'refused'] as const;
        return Object.fromEntries(outcomes.map((outcome) => [outcome, s.value('csv_import_callback_publishes_total', { outcome })]));
      };

      expect(await publishes(await startExtraApi({ ...callbacksEnv, QSTASH_TOKEN: qstashToken }))).toEqual({ delivered: 1, failed: 0, skipped: 0, refused: 0 });
      expect(await publishes(await startExtraApi({ ...callbacksEnv, QSTASH_TOKEN: 'not-the-qstash-token' }))).toEqual({ delivered: 0, failed: 1, skipped: 0, refused: 0 });
      expect(qstash.publishes().map((p) => p.status)).toEqual([201, 401]);
    } finally {
      await qstash.stop();
    }
  });
});
