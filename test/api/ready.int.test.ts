import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { listenApi, logSink, type ListeningApi } from '../helpers/api-in-process.js';
import { freePort } from '../helpers/redis-server.js';
import { CURRENT_KEY, NEXT_KEY } from '../helpers/service.js';

// Nothing listens on either port; the names are what a driver error would give away.
let api: ListeningApi;
let baseUrl: string;
let pgPort: number;
let redisPort: number;
const log = logSink();

beforeAll(async () => {
  [pgPort, redisPort] = [await freePort(), await freePort()];
  api = await listenApi(
    loadApiConfig({
      DATABASE_URL: `postgres://billing_admin@127.0.0.1:${pgPort}/customers`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      QSTASH_CURRENT_SIGNING_KEY: CURRENT_KEY, QSTASH_NEXT_SIGNING_KEY: NEXT_KEY,
    }),
    createLogger({ LOG_LEVEL: 'warn' }, 'api', log.stream),
  );
  baseUrl = api.baseUrl;
});
afterAll(async () => {
  await api?.close();
});

describe('/ready', () => {
  it('names the dependencies that are down and nothing of why: no host, port, user or driver text', async () => {
    const res = await fetch(`${baseUrl}/ready`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'unavailable', checks: { redis: 'unavailable', postgres: 'unavailable' } });
    for (const secret of [String(pgPort), String(redisPort), '127.0.0.1', 'billing_admin', 'ECONNREFUSED']) {
      expect(text).not.toContain(secret);
    }
  });

  it('leaves the reason to the log, for the operator', () => {
    const failures = log.lines.map((l) => JSON.parse(l) as { msg: string; dependency?: string; err?: { message?: string } });
    const readiness = failures.filter((l) => l.msg === 'readiness check failed');
    expect(readiness.map((l) => l.dependency).sort()).toEqual(['postgres', 'redis']);
    expect(readiness.find((l) => l.dependency === 'postgres')?.err?.message).toMatch(/ECONNREFUSED|connect/);
  });
});
