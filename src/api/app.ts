import express, { type Express } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CompletionCallbacks } from '../shared/callbacks/completion-callbacks.js';
import type { Logger } from '../shared/logger.js';
import type { ImportJobData } from '../shared/queues.js';
import type { StatusStore } from '../shared/status/status-store.js';
import { wasCancelled } from './cancel-job.js';
import { dashboardRouter, type DashboardOptions } from './dashboard.js';
import { metricsHandler } from '../shared/metrics/metrics-handler.js';
import type { ApiMetrics } from './metrics.js';
import { errorHandler } from './middleware/error-handler.js';
import { healthRouter, type ReadinessCheck } from './routes/health.js';
import { QSTASH_CANCEL_PATH, qstashCancelRouter } from './routes/qstash-cancel.js';
import { QSTASH_IMPORT_PATH, qstashImportRouter } from './routes/qstash-import.js';
import type { QstashKeys } from './middleware/verify-qstash.js';

export interface AppDeps {
  queue: Queue<ImportJobData>;
  /** The queue's Redis connection. */
  redis: Redis;
  queuePrefix: string;
  /** Answers when the queue's Redis does. */
  pingQueue: () => Promise<unknown>;
  status: StatusStore;
  statusTtlSeconds: number;
  listCommitted(jobId: string): Promise<boolean>;
  /** The signing keys; each route's signatures must name its own URL under `publicBaseUrl`. */
  keys: Omit<QstashKeys, 'url'>;
  /** PUBLIC_URL without a trailing slash, when set. */
  publicBaseUrl?: string;
  jobAttempts: number;
  jobBackoffMs: number;
  callbacks: CompletionCallbacks;
  callbackUrlPrefixes: readonly string[];
  readiness: Record<string, ReadinessCheck>;
  dashboard?: DashboardOptions;
  metrics: ApiMetrics;
  /** `/metrics` is served only when set (else it is a 404 like any unknown path). */
  metricsToken?: string;
  log: Logger;
}

/** Wiring only: never listens, so tests run it in-process on port 0. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  const keysFor = (path: string): QstashKeys => ({ ...deps.keys, url: deps.publicBaseUrl && `${deps.publicBaseUrl}${path}` });
  const cancels = { ...deps, rememberSeconds: deps.statusTtlSeconds };
  app.use(healthRouter(deps.readiness, deps.log));
  app.use(qstashImportRouter({ ...deps, keys: keysFor(QSTASH_IMPORT_PATH), wasCancelled: (jobId) => wasCancelled(cancels, jobId) }));
  app.use(qstashCancelRouter({ ...cancels, keys: keysFor(QSTASH_CANCEL_PATH) }));
  if (deps.metricsToken) {
    app.get('/metrics', metricsHandler(deps.metrics, deps.metricsToken, (err) => deps.log.warn({ err }, 'metrics scrape failed')));
  }
  if (deps.dashboard) app.use(dashboardRouter([deps.queue], deps.dashboard));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(deps.log));
  return app;
}
