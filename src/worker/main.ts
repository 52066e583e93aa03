import './young-objects.js';
import { loadOrExit, loadWorkerConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { registerShutdown } from '../shared/shutdown.js';
import { startWorkerRuntime } from './runtime.js';

const config = loadOrExit(() => loadWorkerConfig());
const log = createLogger(config, 'worker');
const runtime = await startWorkerRuntime(config, log);
log.info({ concurrency: config.WORKER_CONCURRENCY, name: runtime.importWorker.worker.name }, 'worker started');

registerShutdown(
  log,
  [['stop worker', () => runtime.stop(config.SHUTDOWN_TIMEOUT_MS)]],
  config.SHUTDOWN_TIMEOUT_MS + 5_000,
);
