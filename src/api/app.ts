import express, { type Express } from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from '../shared/logger.js';
import type { ImportJobData } from '../shared/queues.js';
import type { StatusStore } from '../shared/status/status-store.js';
import { dashboardRouter, type DashboardOptions } from './dashboard.js';
import { metricsHandler } from '../shared/metrics/metrics-handler.js';
import type { ApiMetrics } from './metrics.js';
import { errorHandler } from './middleware/error-handler.js';
import { healthRouter, type ReadinessCheck } from './routes/health.js';
import { qstashImportRouter } from './routes/qstash-import.js';
import type { QstashKeys } from './middleware/verify-qstash.js';

export interface AppDeps {
  queue: Queue<ImportJobData>;
  /** Answers when the queue's Redis does. */
  pingQueue: () => Promise<unknown>;
  status: StatusStore;
  keys: QstashKeys;
  jobAttempts: number;
  jobBackoffMs: number;
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
  app.use(healthRouter(deps.readiness, deps.log));
  app.use(qstashImportRouter(deps));
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
