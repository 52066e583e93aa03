import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallbackPublishOutcome } from '../shared/callbacks/completion-callbacks.js';
import { callbackPublishesCounter } from '../shared/metrics/callback-publishes.js';
import type { MetricsSource } from '../shared/metrics/metrics-handler.js';

/** How one attempt of an import ended. */
export type ImportOutcome = 'succeeded' | 'failed' | 'retrying' | 'requeued' | 'cancelled' | 'handed_over';

export interface WorkerMetrics extends MetricsSource {
  imports: Counter<'outcome' | 'code'>;
  rows: Counter;
  bytes: Counter;
  duration: Histogram<'outcome'>;
  stalled: Counter;
  countCallbackPublish: (outcome: CallbackPublishOutcome) => void;
}

// From a small file's tenth of a second to a 200 MiB one's many minutes.
const DURATION_BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** The worker's one registry: imports by outcome and code, rows, bytes, durations, callbacks, process metrics. */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    imports: new Counter({
      name: 'csv_import_imports_total',
      help: 'Import attempts by how they ended (code "none" for a success)',
      labelNames: ['outcome', 'code'] as const,
      registers,
    }),
    rows: new Counter({ name: 'csv_import_rows_total', help: 'Rows committed to PostgreSQL', registers }),
    bytes: new Counter({ name: 'csv_import_bytes_total', help: 'Bytes read from storage, by every attempt', registers }),
    duration: new Histogram({
      name: 'csv_import_import_duration_seconds',
      help: 'How long an import attempt ran, from its start in this worker to its outcome',
      labelNames: ['outcome'] as const,
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
    stalled: new Counter({
      name: 'csv_import_stalled_jobs_total',
      help: 'Jobs this worker found stalled (their worker died or blocked) and put back to run again',
      registers,
    }),
    countCallbackPublish: callbackPublishesCounter(registry),
  };
}
