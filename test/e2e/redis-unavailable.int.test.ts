import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../src/api/create-api.js';
import { loadApiConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { signQstash } from '../helpers/sign-qstash.js';
import { CURRENT_KEY, NEXT_KEY, importRequest, uniqueJobId } from '../helpers/service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

// Nothing listens on this port: the api's Redis is "stopped" from the start.
const DEAD_REDIS = 'redis://127.0.0.1:1';
let db: TestDatabase;
let api: Api;
let baseUrl: string;
let close: () => void;

beforeAll(async () => {
  db = await createTestDatabase();
  api = createApi(
    loadApiConfig({
      DATABASE_URL: db.url, REDIS_URL: DEAD_REDIS, LOG_LEVEL: 'silent',
      QSTASH_CURRENT_SIGNING_KEY: CURRENT_KEY, QSTASH_NEXT_SIGNING_KEY: NEXT_KEY,
    }),
    createLogger({ LOG_LEVEL: 'silent' }, 'api'),
  );
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(async () => {
  close?.();
  await api?.close();
  await db?.drop();
});

describe('when Redis is unreachable', () => {
  it('answers the webhook with 503 quickly instead of hanging', async () => {
    const url = `${baseUrl}/qstash/import`;
    const body = JSON.stringify(importRequest(uniqueJobId(), 'a.csv'));
    const started = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: CURRENT_KEY, url, body }) },
      body,
    });
    const elapsedMs = performance.now() - started;
    expect(res.status).toBe(503);
    // Fail-fast, not a wall-clock benchmark: a hang would run into the test timeout instead.
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('reports not ready, naming Redis, while PostgreSQL is fine', async () => {
    const res = await fetch(`${baseUrl}/ready`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.checks.postgres).toBe('ok');
    expect(body.checks.redis).toMatch(/^unavailable/);
  });

  it('still answers /health, since the process is alive', async () => {
    const res = await fetch(`${baseUrl}/health`);
    expect(res.status).toBe(200);
  });
});
