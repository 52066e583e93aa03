import type { Express } from 'express';
import { createCompletionCallbacks } from '../shared/callbacks/completion-callbacks.js';
import type { ApiConfig } from '../shared/config.js';
import { createDb } from '../shared/db/client.js';
import { listCommitted } from '../shared/db/list-committed.js';
import { assertMigrated } from '../shared/db/schema-version.js';
import type { Logger } from '../shared/logger.js';
import { createImportQueue } from '../shared/queues.js';
import { createRedis } from '../shared/redis.js';
import { createStatusStore } from '../shared/status/status-store.js';
import { buildApp } from './app.js';
import { HttpError } from './errors.js';
import { createApiMetrics } from './metrics.js';

export interface Api {
  app: Express;
  /** Closes the queue, Redis and the database pool (the HTTP server is the caller's). */
  close(): Promise<void>;
}

/** The api's connections and app, from its config: what main.ts runs and tests start in-process. */
export function createApi(config: ApiConfig, log: Logger): Api {
  const redis = createRedis(config.REDIS_URL, 'producer');
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const queue = createImportQueue(redis, config.QUEUE_PREFIX);
  queue.on('error', (err) => log.warn({ err: err.message }, 'queue error'));
  const db = createDb({ DATABASE_URL: config.DATABASE_URL, PG_POOL_MAX: 2 }, log);
  const metrics = createApiMetrics(queue, (err) => log.warn({ err }, 'could not read the queue for /metrics'));
  const publicUrl = config.PUBLIC_URL ? new URL(config.PUBLIC_URL) : undefined;
  const publicPrefix = publicUrl?.pathname.replace(/\/$/, '') ?? '';

  const app = buildApp({
    queue,
    redis,
    queuePrefix: config.QUEUE_PREFIX,
    pingQueue: () => redis.ping(),
    status: createStatusStore(config, redis),
    statusTtlSeconds: config.STATUS_TTL_SECONDS,
    listCommitted: (jobId) =>
      listCommitted(db.db, jobId).catch((err: unknown) => {
        throw new HttpError(503, 'database unavailable, retry later', { cause: err });
      }),
    keys: {
      currentSigningKey: config.QSTASH_CURRENT_SIGNING_KEY,
      nextSigningKey: config.QSTASH_NEXT_SIGNING_KEY,
      clockToleranceSeconds: config.QSTASH_CLOCK_TOLERANCE_SECONDS,
    },
    publicBaseUrl: publicUrl && `${publicUrl.origin}${publicPrefix}`,
    jobAttempts: config.JOB_ATTEMPTS,
    jobBackoffMs: config.JOB_BACKOFF_MS,
    callbacks: createCompletionCallbacks(config, log, metrics.countCallbackPublish),
    callbackUrlPrefixes: config.CALLBACK_URL_PREFIXES,
    // The migrations query answers both: PostgreSQL is reachable, and it has this build's schema.
    readiness: { redis: () => redis.ping(), postgres: () => assertMigrated(db.pool) },
    dashboard:
      config.BULL_BOARD_USERNAME && config.BULL_BOARD_PASSWORD
        ? {
            username: config.BULL_BOARD_USERNAME,
            password: config.BULL_BOARD_PASSWORD,
            readOnly: config.BULL_BOARD_READ_ONLY,
            showStackTraces: config.NODE_ENV !== 'production',
            publicPrefix,
          }
        : undefined,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    log,
  });

  return {
    app,
    async close() {
      await queue.close().catch((err: unknown) => log.warn({ err }, 'queue close failed'));
      redis.disconnect();
      await db.close();
    },
  };
}
