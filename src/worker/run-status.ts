import type { Job } from 'bullmq';
import type { CompletionCallbacks } from '../shared/callbacks/completion-callbacks.js';
import type { Db } from '../shared/db/client.js';
import { ImportError, type ErrorCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { endedRunNumber, runNumber, type ImportJobData } from '../shared/queues.js';
import { JobStatus } from '../shared/status/job-status.js';
import type { StatusStore } from '../shared/status/status-store.js';
import { withTimeout } from '../shared/with-timeout.js';
import { findImportedList } from './import-csv/sinks/list-store.js';

/** BullMQ's Redis connection queues commands while Redis is silent; a progress update waits no longer. */
const QUEUE_PROGRESS_TIMEOUT_MS = 2_000;

/** Where a run's status goes: the store, and its final state to the completion callback. */
export interface RunStatusDeps {
  store: StatusStore;
  callbacks: CompletionCallbacks;
}

/**
 * The status of one run of a BullMQ job (shared/status/job-status.ts owns the state changes),
 * mirroring its progress to the job as well, for the dashboard.
 */
export function runStatus(job: Job<ImportJobData>, deps: RunStatusDeps, log: Logger, attempt: number = runNumber(job)): JobStatus {
  // Read before the data is validated: a job whose data is not a request still ends with a callback.
  const callbackUrl: unknown = job.data?.request?.callbackUrl;
  return new JobStatus(
    {
      // The BullMQ id is the payload's jobId (the api sets it), and it is there even when the data is not.
      jobId: String(job.id),
      attempt,
      queuedAt: job.data?.queuedAt ?? new Date(job.timestamp).toISOString(),
      startedAt: new Date().toISOString(),
    },
    deps.store,
    log,
    {
      reportProgress: (progress) => withTimeout(job.updateProgress(progress), QUEUE_PROGRESS_TIMEOUT_MS),
      onFinal: (doc) => deps.callbacks.send(doc, typeof callbackUrl === 'string' ? callbackUrl : undefined),
    },
  );
}

export interface EndedJobDeps extends RunStatusDeps {
  db: Db;
  log: Logger;
  /** Counts a job BullMQ ended without running our processor: no attempt of ours reported it. */
  endedByQueue(code: ErrorCode): void;
}

/** What BullMQ 6 fails a job with when it picks up one that stalled more than `maxStalledCount` times. */
const STALLED_REASON = 'job stalled more than allowable limit';

/**
 * BullMQ failed the job for good (its `failed` event, with `finishedOn` set). When the error is
 * one our processor threw, the processor has already written it and the store refuses it again;
 * this only matters when that write was lost, or the processor expected a retry BullMQ did not
 * grant. Otherwise BullMQ ended the job on its own, without running it: stalled too often (its
 * workers were killed or froze). Then the job did not succeed, unless one of those runs
 * committed its list before it died.
 */
export async function recordFailedForGood(job: Job<ImportJobData>, err: Error, deps: EndedJobDeps): Promise<void> {
  const status = runStatus(job, deps, deps.log, endedRunNumber(job));
  const thrown = err instanceof ImportError ? err : err.cause instanceof ImportError ? err.cause : undefined;
  if (thrown?.code === 'CANCELLED') return status.cancelled();
  if (thrown) return status.failed('failed', thrown);
  const jobId = String(job.id);
  const list = await findImportedList(deps.db, jobId).catch((e: unknown) => {
    deps.log.warn({ err: e, jobId }, 'could not check whether the job committed its list');
    return undefined;
  });
  if (list) return status.succeeded(list);
  deps.log.error({ jobId, reason: err.message, stalls: job.stalledCounter }, 'job failed for good without an outcome of its own');
  const error = endedByQueue(job, err);
  deps.endedByQueue(error.code);
  await status.failed('failed', error);
}

function endedByQueue(job: Job, err: Error): ImportError {
  if (err.message !== STALLED_REASON) return new ImportError('INTERNAL', `the job failed: ${err.message}`, { cause: err });
  const runs = endedRunNumber(job) - 1;
  return new ImportError(
    'STALLED',
    `the import was interrupted ${runs === 1 ? 'once' : `${runs} times`} without finishing (the worker running it stopped or stopped answering), so it was not tried again`,
    { cause: err },
  );
}
