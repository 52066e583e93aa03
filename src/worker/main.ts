import { loadOrExit, loadWorkerConfig } from '../shared/config.js';
import { createDb } from '../shared/db/client.js';
import { createLogger } from '../shared/logger.js';
import { createRedis } from '../shared/redis.js';
import { registerShutdown } from '../shared/shutdown.js';
import { createStatusStore } from '../shared/status/status-store.js';
import { createStorage } from '../shared/storage.js';
import { startImportWorker, warnUnlessNoEviction } from './start-worker.js';

const config = loadOrExit(() => loadWorkerConfig());
const log = createLogger(config, 'worker');

const connection = createRedis(config.REDIS_URL, 'worker');
connection.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
await warnUnlessNoEviction(connection, log);
const db = createDb(config, log);

const importWorker = startImportWorker(
  { config, db, storage: createStorage(config), status: createStatusStore(config, connection), log },
  connection,
);
log.info({ concurrency: config.WORKER_CONCURRENCY, name: importWorker.worker.name }, 'worker started');

registerShutdown(
  log,
  [
    ['drain jobs', () => importWorker.close(config.SHUTDOWN_TIMEOUT_MS)],
    ['close db', () => db.close()],
    ['close redis', () => connection.quit()],
  ],
  config.SHUTDOWN_TIMEOUT_MS + 5_000,
);
