import { Counter, type Registry } from 'prom-client';
import { CALLBACK_PUBLISH_OUTCOMES, type CallbackPublishOutcome } from '../callbacks/completion-callbacks.js';

/**
 * `csv_import_callback_publishes_total{outcome}` in `registry`, for whichever process publishes
 * (the worker, and the api for a job cancelled while queued). Every outcome starts at 0, so
 * `increase()` sees the first failure instead of a series that appears already at 1.
 */
export function callbackPublishesCounter(registry: Registry): (outcome: CallbackPublishOutcome) => void {
  const publishes = new Counter({
    name: 'csv_import_callback_publishes_total',
    help: 'Completion callbacks by what their publish to QStash came to',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of CALLBACK_PUBLISH_OUTCOMES) publishes.inc({ outcome }, 0);
  return (outcome) => publishes.inc({ outcome });
}
