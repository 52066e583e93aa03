import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ImportResult } from '../shared/contract.js';
import { QUEUE, type ImportJobData } from '../shared/queues.js';
import { TimeoutError, withTimeout } from '../shared/with-timeout.js';
import type { ErrorCode } from '../shared/errors.js';
import { startImportOutcome } from './import-outcome.js';
import { recordFailedForGood } from './run-status.js';
import { ABORT_REASON, createImportProcessor, type ImportWorkerContext } from './processor.js';

export interface ImportWorker {
  worker: Worker<ImportJobData, ImportResult>;
  /** Stops taking jobs, waits up to timeoutMs for running ones, then aborts them (they roll back and requeue). */
  close(timeoutMs: number): Promise<void>;
}

/** A BullMQ worker for the import queue, named so operators can see which process ran a job. */
export function startImportWorker(ctx: ImportWorkerContext, connection: Redis): ImportWorker {
  const { config, log } = ctx;
  const worker = new Worker<ImportJobData, ImportResult>(QUEUE.importCsv, createImportProcessor(ctx), {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    maxStalledCount: config.MAX_STALLED_COUNT,
    name: `${hostname()}:${process.pid}`,
    // Keeps the completed/failed totals that /metrics exports (bullmq_job_*_total); every scrape
    // reads all the per-minute points, so keep an hour of them, not BullMQ's suggested weeks.
    metrics: { maxDataPoints: 60 },
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  // Whichever worker's stall check finds a job whose lock expired reports it, once.
  worker.on('stalled', () => ctx.metrics.stalled.inc());
  // Another worker may own the job now (its lock lapsed, a stall check handed it on): stop at once.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) worker.cancelJob(jobId, ABORT_REASON.lockLost);
  });
  // Every job BullMQ ends gets a final status, also when BullMQ ended it without our processor
  // (stalled too often); `finishedOn` tells a job failed for good from one that will be retried.
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ jobId: job.id, err: err.message }, 'job failed for good');
    if (!job?.finishedOn) return;
    const jobLog = log.child({ jobId: job.id });
    const endedByQueue = (code: ErrorCode) => startImportOutcome(ctx.metrics, jobLog).finish('failed', { code });
    recordFailedForGood(job, err, { store: ctx.status, callbacks: ctx.callbacks, db: ctx.db.db, log: jobLog, endedByQueue }).catch((e: unknown) =>
      log.error({ err: e, jobId: job.id }, 'could not record the final status of a job that failed for good'),
    );
  });
  return {
    worker,
    async close(timeoutMs) {
      const closing = worker.close();
      await withTimeout(closing, timeoutMs).catch((err: unknown) => {
        if (!(err instanceof TimeoutError)) throw err;
        log.warn({ timeoutMs }, 'jobs still running at the shutdown deadline; aborting them');
        worker.cancelAllJobs(ABORT_REASON.shutdown);
      });
      await closing;
    },
  };
}

/** BullMQ's job locks are expiring keys: an evicting Redis can lose jobs. */
export async function warnUnlessNoEviction(connection: Redis, log: ImportWorkerContext['log']): Promise<void> {
  try {
    const reply = (await connection.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy !== 'noeviction') log.warn({ policy }, 'Redis maxmemory-policy should be noeviction; jobs can be lost');
  } catch (err) {
    log.warn({ err }, 'could not read Redis maxmemory-policy');
  }
}
