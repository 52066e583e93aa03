import type { RequestHandler } from 'express';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallbackPublishOutcome } from '../shared/callbacks/completion-callbacks.js';
import { callbackPublishesCounter } from '../shared/metrics/callback-publishes.js';
import type { MetricsSource } from '../shared/metrics/metrics-handler.js';
import { withTimeout } from '../shared/with-timeout.js';

/** What a webhook delivery came to, by the answer it got (DESIGN §3, §14). */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'bad_signature' | 'bad_request' | 'unavailable' | 'error';

/**
 * The answer decides the outcome, so each delivery is counted once, whichever layer answered it
 * (the route, the signature check, the body parser's 413 or the error handler's 503).
 */
export function deliveryOutcome(status: number): DeliveryOutcome {
  if (status === 202) return 'accepted';
  if (status === 200) return 'duplicate';
  if (status === 401) return 'bad_signature';
  if (status === 503) return 'unavailable';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'error';
}

/** What a cancel request came to, by the answer it got (DESIGN §13). */
export type CancelRequestOutcome = 'cancelling' | 'cancelled' | 'too_late' | 'unknown' | 'refused' | 'unavailable' | 'error';

export function cancelRequestOutcome(status: number): CancelRequestOutcome {
  if (status === 202) return 'cancelling';
  if (status === 200) return 'cancelled';
  if (status === 409) return 'too_late';
  if (status === 404) return 'unknown';
  if (status === 503) return 'unavailable';
  if (status >= 400 && status < 500) return 'refused';
  return 'error';
}

/** The part of a BullMQ queue the scrape reads (structural, so this module needs no BullMQ import). */
export interface MetricsQueue {
  exportPrometheusMetrics(): Promise<string>;
  getWaiting(start: number, end: number): Promise<Array<{ timestamp: number }>>;
}

export interface ApiMetrics extends MetricsSource {
  /** Counts the delivery once its answer is sent; mount it first on the webhook route. */
  countDelivery: RequestHandler;
  /** Counts the cancel request once its answer is sent; mount it first on the cancel route. */
  countCancel: RequestHandler;
  /** Counts the callback of a job this api finished (cancelled while queued). */
  countCallbackPublish: (outcome: CallbackPublishOutcome) => void;
}

// A scrape must answer even when Redis does not: the queue's part is then left out and
// csv_import_queue_up says so.
const QUEUE_SCRAPE_TIMEOUT_MS = 2_000;

/** The api's one registry: webhook deliveries, callbacks, BullMQ's queue gauges, process metrics. */
export function createApiMetrics(queue: MetricsQueue, onQueueError: (err: unknown) => void): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const deliveries = new Counter({
    name: 'csv_import_webhook_deliveries_total',
    help: 'QStash webhook deliveries, by what they came to',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['accepted', 'duplicate', 'bad_signature', 'bad_request', 'unavailable'] as const) deliveries.inc({ outcome }, 0);
  const cancels = new Counter({
    name: 'csv_import_cancel_requests_total',
    help: 'Cancel requests (POST /qstash/cancel), by what they came to',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['cancelling', 'cancelled', 'too_late', 'unknown'] as const) cancels.inc({ outcome }, 0);
  const countCallbackPublish = callbackPublishesCounter(registry);
  const queueUp = new Gauge({
    name: 'csv_import_queue_up',
    help: '1 when this scrape read the queue from Redis, 0 when Redis did not answer',
    registers: [registry],
  });
  const oldestWaiting = new Gauge({
    name: 'csv_import_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting for a worker, since it was first queued (0 when none waits)',
    registers: [registry],
  });

  const readQueue = async (): Promise<string> => {
    try {
      const [text, [oldest]] = await withTimeout(
        Promise.all([queue.exportPrometheusMetrics(), queue.getWaiting(0, 0)]),
        QUEUE_SCRAPE_TIMEOUT_MS,
      );
      queueUp.set(1);
      oldestWaiting.set(oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
      return text.endsWith('\n') ? text : `${text}\n`;
    } catch (err) {
      onQueueError(err);
      queueUp.set(0);
      oldestWaiting.reset();
      return '';
    }
  };

  return {
    contentType: registry.contentType,
    async render() {
      const queueText = await readQueue();
      return `${await registry.metrics()}${queueText}`;
    },
    countDelivery: (_req, res, next) => {
      res.once('finish', () => deliveries.inc({ outcome: deliveryOutcome(res.statusCode) }));
      next();
    },
    countCancel: (_req, res, next) => {
      res.once('finish', () => cancels.inc({ outcome: cancelRequestOutcome(res.statusCode) }));
      next();
    },
    countCallbackPublish,
  };
}
