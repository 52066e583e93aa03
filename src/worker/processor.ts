import { UnrecoverableError, WaitingError, type Job, type Processor } from 'bullmq';
import type { CompletionCallbacks } from '../shared/callbacks/completion-callbacks.js';
import type { WorkerConfig } from '../shared/config.js';
import { ImportRequest, type ImportResult } from '../shared/contract.js';
import type { DbHandle } from '../shared/db/client.js';
import { ImportError, toImportError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { runNumber, type ImportJobData } from '../shared/queues.js';
import { cancelledError, type JobStatus } from '../shared/status/job-status.js';
import type { StatusStore } from '../shared/status/status-store.js';
import type { Storage } from '../shared/storage.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { CancelWatch, CancelWatcher } from './cancel-watcher.js';
import { startImportOutcome, type ImportOutcomeReport } from './import-outcome.js';
import type { WorkerMetrics } from './metrics.js';
import { importCsv } from './import-csv/import-csv.js';
import { runStatus } from './run-status.js';
import { bucketReport, rejectedRowsKey } from './import-csv/sinks/rejected-rows.js';
import { s3Source } from './import-csv/sources/s3-source.js';

export interface ImportWorkerContext {
  config: WorkerConfig;
  db: DbHandle;
  storage: Storage;
  status: StatusStore;
  callbacks: CompletionCallbacks;
  cancels: CancelWatcher;
  metrics: WorkerMetrics;
  log: Logger;
}

/** Why the worker aborted a running import (the AbortSignal's reason). */
export const ABORT_REASON = { shutdown: 'worker shutting down', lockLost: 'job lock lost' } as const;

/** Redis answers in milliseconds; past this it has gone silent, and the job's lock is as good as lost. */
const LOCK_CHECK_TIMEOUT_MS = 5_000;

/**
 * The BullMQ boundary: validates job data, runs the import, mirrors status, and turns errors
 * into BullMQ outcomes: permanent → UnrecoverableError (no retry), transient → rethrown (retried
 * with backoff), interrupted by shutdown → straight back to the queue without using an attempt,
 * cancelled (DESIGN §13) → failed for good with CANCELLED, rolled back, status `cancelled`.
 * A run that lost the job's lock to another worker commits nothing, deletes nothing and says
 * nothing about the job: it is that worker's now (DESIGN §7).
 */
export function createImportProcessor(ctx: ImportWorkerContext): Processor<ImportJobData, ImportResult> {
  return async (job, token, queueSignal) => {
    const log = ctx.log.child({ jobId: job.id, attempt: runNumber(job), key: job.data?.request?.source?.key });
    const status = runStatus(job, { store: ctx.status, callbacks: ctx.callbacks }, log);
    const outcome = startImportOutcome(ctx.metrics, log);
    const request = await parseJobData(job, status, outcome);
    const lock = jobLock(job, token, ctx.config.LOCK_DURATION_MS);
    const cancel = ctx.cancels.watch(String(job.id));
    const signal = queueSignal ? AbortSignal.any([queueSignal, cancel.signal]) : cancel.signal;
    try {
      const result = await importCsv(request, {
        db: ctx.db.db,
        pool: ctx.db.pool,
        source: s3Source(ctx.storage, request.source.key, { maxBytes: ctx.config.MAX_FILE_SIZE }),
        limits: ctx.config,
        log,
        signal,
        idleTimeoutMs: ctx.config.STORAGE_IDLE_TIMEOUT_MS,
        progressEvery: ctx.config.PROGRESS_REPORT_INTERVAL,
        onProgress: (progress) => {
          outcome.progress(progress);
          status.progress(progress);
        },
        onBytesRead: outcome.bytesRead,
        onPreview: status.preview,
        rejectedRows: ctx.config.REJECTED_ROWS_PREFIX ? bucketReport(ctx.storage, rejectedRowsKey(ctx.config.REJECTED_ROWS_PREFIX, request.jobId, runNumber(job))) : undefined,
        onStart: async () => {
          // A job cancelled while it waited, or just as this worker took it, never reads its file.
          await cancel.confirmNotCancelled();
          await status.running();
          log.info('import started');
        },
        // Past this a cancel loses to the COMMIT: the list stands, and the job succeeded.
        beforeCommit: async () => {
          await lock.confirm();
          await cancel.confirmNotCancelled();
        },
      });
      // A run that only found the list committed nothing, so it has not asked for the lock yet.
      if (result.alreadyImported && !(await lock.held().catch(() => true))) throw new ImportError('LOCK_LOST', 'another worker took this job over');
      await status.succeeded(result);
      outcome.finish('succeeded', { rows: result.rows, alreadyImported: result.alreadyImported, dryRun: result.dryRun === true });
      log.info({ listId: result.listId, rows: result.rows, alreadyImported: result.alreadyImported }, 'import succeeded');
      // A dry run is a look before the import: the file is still needed.
      if (!request.dryRun && (request.deleteSourceAfterImport ?? ctx.config.DELETE_R2_AFTER_IMPORT)) await deleteSource(ctx, request.source.key, lock, log);
      return result;
    } catch (err) {
      const error = toImportError(err);
      if (await lostLock(error, signal, lock)) {
        outcome.finish('handed_over', { code: 'LOCK_LOST' });
        log.warn({ err: error }, 'lost the job lock to another worker; this run stopped without committing');
        // The job is not ours to fail or requeue (BullMQ would refuse for want of the lock).
        throw new WaitingError();
      }
      if (await wasCancelled(error, cancel)) {
        await status.cancelled();
        outcome.finish('cancelled', { code: 'CANCELLED' });
        log.info('import cancelled; nothing was committed');
        throw unrecoverable(cancelledError());
      }
      if (error.code === 'SHUTTING_DOWN' && signal?.aborted && token) {
        await job.moveToWait(token);
        await status.requeued();
        outcome.finish('requeued', { code: error.code });
        log.warn('import interrupted by shutdown; job returned to the queue');
        throw new WaitingError();
      }
      const willRetry = error.retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      await status.failed(willRetry ? 'retrying' : 'failed', error);
      outcome.finish(willRetry ? 'retrying' : 'failed', { code: error.code });
      log[error.retryable ? 'warn' : 'info']({ err: error, code: error.code, willRetry }, 'import failed');
      if (!error.retryable) throw unrecoverable(error);
      // BullMQ keeps the message as the job's failedReason: `CODE: message` on the dashboard, as for permanent errors.
      throw new Error(`${error.code}: ${error.message}`, { cause: error });
    } finally {
      cancel.stop();
    }
  };
}

/**
 * A run that failed while a cancel was recorded ends cancelled, whatever it failed of (the abort
 * surfaces as an interrupted pipeline): it is never retried nor handed back to the queue.
 */
async function wasCancelled(error: ImportError, cancel: CancelWatch): Promise<boolean> {
  return error.code === 'CANCELLED' || cancel.signal.aborted || (await cancel.requested());
}

/** A job whose data is not an import request can never run: failed for good, and said so. */
async function parseJobData(job: Job<ImportJobData>, status: JobStatus, outcome: ImportOutcomeReport): Promise<ImportRequest> {
  const parsed = ImportRequest.safeParse(job.data?.request);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  const error = new ImportError('JOB_DATA_INVALID', `the job's data is not an import request: ${issues.join('; ')}`);
  await status.failed('failed', error);
  outcome.finish('failed', { code: error.code });
  throw unrecoverable(error);
}

/** BullMQ's "do not retry", carrying the ImportError for the `failed` listener (run-status.ts). */
function unrecoverable(error: ImportError): UnrecoverableError {
  const failure = new UnrecoverableError(`${error.code}: ${error.message}`);
  failure.cause = error;
  return failure;
}

/**
 * Whether the run failed because, or after, the job's lock went to another worker. A run that
 * froze (a blocked event loop, a paused machine) can fail on its own timers, a download "stalled"
 * for as long as it was frozen, before BullMQ's renewal notices that the lock is gone: so ask.
 * When Redis does not answer either, the store's transition still refuses a stale write.
 */
async function lostLock(error: ImportError, signal: AbortSignal | undefined, lock: JobLock): Promise<boolean> {
  if (error.code === 'LOCK_LOST' || signal?.reason === ABORT_REASON.lockLost) return true;
  if (error.code === 'QUEUE_UNAVAILABLE') return false;
  return !(await lock.held().catch(() => true));
}

interface JobLock {
  /** Renews the lock; whether this run still holds it. */
  held(): Promise<boolean>;
  /** Throws LOCK_LOST (or QUEUE_UNAVAILABLE) unless this run still holds the lock, renewed for a full duration. */
  confirm(): Promise<void>;
}

/**
 * BullMQ notices a lost lock only at its next renewal (lockRenewalFailed, which aborts the run):
 * up to half the lock's duration late. What must never happen twice, the COMMIT and the source's
 * deletion, asks Redis first; renewing the lock there also keeps it for the moment they take.
 */
function jobLock(job: Job, token: string | undefined, durationMs: number): JobLock {
  const held = async () => {
    if (!token) return true;
    const renewed = await withTimeout(job.extendLock(token, durationMs), LOCK_CHECK_TIMEOUT_MS, () =>
      new ImportError('QUEUE_UNAVAILABLE', `the job queue (Redis) did not answer within ${LOCK_CHECK_TIMEOUT_MS / 1000} s, so nothing was committed; the import will be retried`),
    );
    return renewed === 1;
  };
  return {
    held,
    async confirm() {
      if (!(await held())) throw new ImportError('LOCK_LOST', 'another worker took this job over; this run stopped without committing');
    },
  };
}

async function deleteSource(ctx: ImportWorkerContext, key: string, lock: JobLock, log: Logger): Promise<void> {
  const held = await lock.held().catch(() => false);
  if (!held) {
    log.warn('not deleting the source: this worker no longer holds the job lock');
    return;
  }
  await ctx.storage.delete(key).catch((err: unknown) => log.warn({ err }, 'could not delete the source file'));
}
