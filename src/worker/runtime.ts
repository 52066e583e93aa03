import { createCompletionCallbacks } from '../shared/callbacks/completion-callbacks.js';
import type { WorkerConfig } from '../shared/config.js';
import { createDb } from '../shared/db/client.js';
import type { Logger } from '../shared/logger.js';
import { createRedis } from '../shared/redis.js';
import { createStatusStore } from '../shared/status/status-store.js';
import { createStorage } from '../shared/storage.js';
import { createCancelWatcher } from './cancel-watcher.js';
import { startImportWorker, warnUnlessNoEviction, type ImportWorker } from './start-worker.js';

export interface WorkerRuntime {
  importWorker: ImportWorker;
  /** Bounded shutdown (DESIGN §7): drain or abort jobs within timeoutMs, then close connections. */
  stop(timeoutMs: number): Promise<void>;
}

/** A worker's connections and its BullMQ worker: what main.ts runs and tests start in-process. */
export async function startWorkerRuntime(config: WorkerConfig, log: Logger): Promise<WorkerRuntime> {
  const connection = createRedis(config.REDIS_URL, 'worker');
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  await warnUnlessNoEviction(connection, log);
  const db = createDb(config, log);
  const storage = createStorage(config);
  const cancels = createCancelWatcher(connection, config.QUEUE_PREFIX, log);
  const importWorker = startImportWorker(
    { config, db, storage, status: createStatusStore(config, connection), callbacks: createCompletionCallbacks(config, log), cancels, log },
    connection,
  );
  let stopped: Promise<void> | undefined;
  return {
    importWorker,
    stop: (timeoutMs) =>
      (stopped ??= (async () => {
        await importWorker.close(timeoutMs);
        await cancels.close();
        await db.close();
        storage.close();
        await connection.quit().catch(() => connection.disconnect());
      })()),
  };
}
