import type { Progress } from '../shared/contract.js';
import type { ErrorCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ImportOutcome, WorkerMetrics } from './metrics.js';

export interface ImportOutcomeReport {
  /** Keeps the latest progress: how far a failed attempt read. */
  progress(progress: Progress): void;
  /** Adds bytes read from the source (a file read twice counts twice: that is the load). */
  bytesRead(bytes: number): void;
  /** Counts the attempt once and logs its one `import finished` line; later calls do nothing. */
  finish(outcome: ImportOutcome, details?: { code?: ErrorCode; rows?: number; alreadyImported?: boolean; dryRun?: boolean }): void;
}

/**
 * One attempt's outcome, as metrics and as one `import finished` log line (DESIGN §14): the line
 * is what platforms that cannot scrape a worker turn into metrics. `rows` is what the attempt
 * committed when it succeeded, else how far it read before it ended. `log` is the job's child
 * logger, which carries its `jobId`.
 */
export function startImportOutcome(metrics: WorkerMetrics, log: Logger, now: () => number = Date.now): ImportOutcomeReport {
  const startedAt = now();
  let last: Progress | undefined;
  let bytes = 0;
  let finished = false;
  return {
    progress: (progress) => {
      last = progress;
    },
    bytesRead: (n) => {
      bytes += n;
    },
    finish(outcome, details = {}) {
      if (finished) return;
      finished = true;
      const durationMs = now() - startedAt;
      const rows = details.rows ?? last?.rows ?? 0;
      const code = details.code ?? 'none';
      metrics.imports.inc({ outcome, code });
      metrics.duration.observe({ outcome }, durationMs / 1000);
      metrics.bytes.inc(bytes);
      // Rows committed: neither a repeat of an earlier run's nor a dry run's, which commits none.
      if (outcome === 'succeeded' && !details.alreadyImported && !details.dryRun) metrics.rows.inc(rows);
      const rowsPerSecond = durationMs > 0 ? Math.round((rows * 1000) / durationMs) : 0;
      log.info(
        {
          outcome, code, rows, bytes, durationMs, rowsPerSecond,
          ...(details.alreadyImported ? { alreadyImported: true } : {}),
          ...(details.dryRun ? { dryRun: true } : {}),
        },
        'import finished',
      );
    },
  };
}
