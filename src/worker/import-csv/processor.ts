import { UnrecoverableError, WaitingError, type Job, type Processor } from 'bullmq';
import type { WorkerConfig } from '../../shared/config.js';
import { ImportRequest, type ImportResult } from '../../shared/contract.js';
import type { DbHandle } from '../../shared/db/client.js';
import { ImportError, toImportError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ImportJobData } from '../../shared/queues.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import type { Storage } from '../../shared/storage.js';
import { startImportOutcome } from '../import-outcome.js';
import type { WorkerMetrics } from '../metrics.js';
import { importCsv } from './import-csv.js';
import { JobStatusReporter, runNumber } from './job-status.js';
import { s3Source } from './s3-source.js';

export interface ImportWorkerContext {
  config: WorkerConfig;
  db: DbHandle;
  storage: Storage;
  status: StatusStore;
  metrics: WorkerMetrics;
  log: Logger;
}

/**
 * The BullMQ boundary: validates job data, runs the import, mirrors status, and turns errors
 * into BullMQ outcomes: permanent → UnrecoverableError (no retry), transient → rethrown (retried
 * with backoff), interrupted by shutdown → straight back to the queue without using an attempt.
 */
export function createImportProcessor(ctx: ImportWorkerContext): Processor<ImportJobData, ImportResult> {
  return async (job, token, signal) => {
    const request = parseJobData(job, ctx);
    const log = ctx.log.child({ jobId: job.id, attempt: runNumber(job), key: request.source.key });
    const outcome = startImportOutcome(ctx.metrics, log);
    const reporter = new JobStatusReporter(job, ctx.status, log);
    await reporter.running();
    log.info('import started');
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
          reporter.progress(progress);
        },
        onBytesRead: outcome.bytesRead,
      });
      await reporter.succeeded(result);
      outcome.finish('succeeded', { rows: result.rows, alreadyImported: result.alreadyImported });
      log.info({ listId: result.listId, rows: result.rows, alreadyImported: result.alreadyImported }, 'import succeeded');
      if (request.deleteSourceAfterImport ?? ctx.config.DELETE_R2_AFTER_IMPORT) {
        await ctx.storage.delete(request.source.key).catch((err: unknown) => log.warn({ err }, 'could not delete the source file'));
      }
      return result;
    } catch (err) {
      const error = toImportError(err);
      if (error.code === 'SHUTTING_DOWN' && signal?.aborted && token) {
        await job.moveToWait(token);
        await reporter.requeued();
        outcome.finish('requeued', { code: error.code });
        log.warn('import interrupted by shutdown; job returned to the queue');
        throw new WaitingError();
      }
      const willRetry = error.retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      await reporter.failed(willRetry ? 'retrying' : 'failed', error);
      outcome.finish(willRetry ? 'retrying' : 'failed', { code: error.code });
      log[error.retryable ? 'warn' : 'info']({ err: error, code: error.code, willRetry }, 'import failed');
      if (!error.retryable) throw new UnrecoverableError(`${error.code}: ${error.message}`);
      // BullMQ keeps the message as the job's failedReason: `CODE: message` on the dashboard, as for permanent errors.
      throw new Error(`${error.code}: ${error.message}`, { cause: error });
    }
  };
}

function parseJobData(job: Job<ImportJobData>, ctx: ImportWorkerContext): ImportRequest {
  const parsed = ImportRequest.safeParse(job.data?.request);
  if (!parsed.success) {
    startImportOutcome(ctx.metrics, ctx.log.child({ jobId: job.id })).finish('failed', { code: 'JOB_DATA_INVALID' });
    throw new UnrecoverableError(
      `JOB_DATA_INVALID: ${new ImportError('JOB_DATA_INVALID', parsed.error.issues.map((i) => i.message).join('; ')).message}`,
    );
  }
  return parsed.data;
}
