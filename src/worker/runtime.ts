import { createCompletionCallbacks } from '../shared/callbacks/completion-callbacks.js';
import type { WorkerConfig } from '../shared/config.js';
import { createDb } from '../shared/db/client.js';
import type { Logger } from '../shared/logger.js';
import { createRedis } from '../shared/redis.js';
import { createStatusStore } from '../shared/status/status-store.js';
import { createStorage } from '../shared/storage.js';
import { createCancelWatcher } from './cancel-watcher.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { startImportWorker, warnUnlessNoEviction, type ImportWorker } from './start-worker.js';
import { waitUntilMigrated } from './wait-until-migrated.js';

export interface WorkerRuntime {
  importWorker: ImportWorker;
  metrics: WorkerMetrics;
  /** This worker's `/metrics`, when METRICS_PORT is set. */
  metricsServer?: MetricsServer;
  /** Bounded shutdown (DESIGN §7): drain or abort jobs within timeoutMs, then close connections. */
  stop(timeoutMs: number): Promise<void>;
}

/** A worker's connections and its BullMQ worker: what main.ts runs and tests start in-process. */
export async function startWorkerRuntime(config: WorkerConfig, log: Logger): Promise<WorkerRuntime> {
  const connection = createRedis(config.REDIS_URL, 'worker');
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  await warnUnlessNoEviction(connection, log);
  const db = createDb(config, log);
  await waitUntilMigrated(db.pool, log);
  const storage = createStorage(config);
  const cancels = createCancelWatcher(connection, config.QUEUE_PREFIX, log);
  const metrics = createWorkerMetrics();
  const metricsServer =
    config.METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer(metrics, { port: config.METRICS_PORT, token: config.METRICS_TOKEN, log });
  const importWorker = startImportWorker(
    { config, db, storage, status: createStatusStore(config, connection), callbacks: createCompletionCallbacks(config, log, metrics.countCallbackPublish), cancels, metrics, log },
    connection,
  );
  let stopped: Promise<void> | undefined;
  return {
    importWorker,
    metrics,
    metricsServer,
    stop: (timeoutMs) =>
      (stopped ??= (async () => {
        await importWorker.close(timeoutMs);
        await cancels.close();
        await metricsServer?.close();
        await db.close();
        storage.close();
        await connection.quit().catch(() => connection.disconnect());
      })()),
  };
}
