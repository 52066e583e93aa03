import { sql } from 'drizzle-orm';
import { loadApiConfig, loadOrExit } from '../shared/config.js';
import { createDb } from '../shared/db/client.js';
import { createLogger } from '../shared/logger.js';
import { createImportQueue } from '../shared/queues.js';
import { createRedis } from '../shared/redis.js';
import { registerShutdown } from '../shared/shutdown.js';
import { createStatusStore } from '../shared/status/status-store.js';
import { buildApp } from './app.js';
import { QSTASH_IMPORT_PATH } from './routes/qstash-import.js';

const config = loadOrExit(() => loadApiConfig());
const log = createLogger(config, 'api');

const redis = createRedis(config.REDIS_URL, 'producer');
redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
const queue = createImportQueue(redis, config.QUEUE_PREFIX);
queue.on('error', (err) => log.warn({ err: err.message }, 'queue error'));
const { db, close: closeDb } = createDb({ DATABASE_URL: config.DATABASE_URL, PG_POOL_MAX: 2 }, log);
const publicUrl = config.PUBLIC_URL ? new URL(config.PUBLIC_URL) : undefined;

const app = buildApp({
  queue,
  status: createStatusStore(config, redis),
  keys: {
    currentSigningKey: config.QSTASH_CURRENT_SIGNING_KEY,
    nextSigningKey: config.QSTASH_NEXT_SIGNING_KEY,
    clockToleranceSeconds: config.QSTASH_CLOCK_TOLERANCE_SECONDS,
    url: publicUrl && `${publicUrl.origin}${publicUrl.pathname.replace(/\/$/, '')}${QSTASH_IMPORT_PATH}`,
  },
  jobAttempts: config.JOB_ATTEMPTS,
  jobBackoffMs: config.JOB_BACKOFF_MS,
  readiness: { redis: () => redis.ping(), postgres: () => db.execute(sql`select 1`) },
  dashboard:
    config.BULL_BOARD_USERNAME && config.BULL_BOARD_PASSWORD
      ? {
          username: config.BULL_BOARD_USERNAME,
          password: config.BULL_BOARD_PASSWORD,
          readOnly: config.BULL_BOARD_READ_ONLY,
          publicPrefix: publicUrl?.pathname ?? '',
        }
      : undefined,
  log,
});

const server = app.listen(config.PORT, () => log.info({ port: config.PORT }, 'api listening'));

registerShutdown(
  log,
  [
    ['stop http', () => new Promise<void>((resolve) => server.close(() => resolve()))],
    ['close queue', () => queue.close()],
    ['close redis', () => redis.quit()],
    ['close db', () => closeDb()],
  ],
  10_000,
);
