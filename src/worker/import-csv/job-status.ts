import type { Job } from 'bullmq';
import { isFinalState, type ImportPreview, type ImportResult, type JobState, type Progress, type StatusDocument } from '../../shared/contract.js';
import type { Db } from '../../shared/db/client.js';
import { ImportError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ImportJobData } from '../../shared/queues.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import { withTimeout } from '../../shared/with-timeout.js';
import { findImportedList } from './list-store.js';

const PROGRESS_MIN_INTERVAL_MS = 1_000;
const FINAL_WRITE_DELAYS_MS = [0, 250, 1_000, 2_000, 4_000];
/** BullMQ's Redis connection queues commands while Redis is silent; a progress update waits no longer. */
const QUEUE_PROGRESS_TIMEOUT_MS = 2_000;

/**
 * Which run of the job this is, as the status document's `attempt` counts: every start, so the
 * run after a crashed worker's (a stall) or after a shutdown hand-over is the 2nd as well as the
 * one after a failure. BullMQ's `attemptsMade`, the retry budget, counts failures only.
 */
export const runNumber = (job: Job): number => Math.max(job.attemptsStarted, job.attemptsMade + 1);

/** The number of the run that just ended: BullMQ has already counted its failure in `attemptsMade`. */
const endedRunNumber = (job: Job): number => Math.max(job.attemptsStarted, job.attemptsMade);

/**
 * A job's life as the status document tells it, on the worker: every state change of a job goes
 * through here (STYLE §9), and the store's transition refuses any that would go backwards
 * (DESIGN §3). One instance speaks for one run. It mirrors that run's state to the status store
 * and its progress to BullMQ (the dashboard). Progress is best-effort and throttled; a final
 * state is retried, then given up loudly. Nothing here ever fails the import.
 */
export class JobStatus {
  private doc: StatusDocument;
  private lastProgressAt = 0;
  private pending: Promise<unknown> | undefined;
  private finished = false;

  constructor(
    private readonly job: Job<ImportJobData>,
    private readonly store: StatusStore,
    private readonly log: Logger,
    attempt: number = runNumber(job),
    private readonly now: () => Date = () => new Date(),
  ) {
    const at = this.now().toISOString();
    this.doc = {
      // The BullMQ id is the payload's jobId (the api sets it), and it is there even when the data is not.
      jobId: String(job.id),
      state: 'running',
      attempt,
      progress: { rows: 0, bytes: 0, totalBytes: 0, percent: 0 },
      queuedAt: job.data?.queuedAt ?? new Date(job.timestamp).toISOString(),
      startedAt: at,
      updatedAt: at,
    };
  }

  async running(): Promise<void> {
    await this.write({ state: 'running' }).catch((err: unknown) => this.log.warn({ err }, 'could not write running status'));
  }

  /** Called every PROGRESS_REPORT_INTERVAL rows; writes at most once a second, one write at a time. */
  progress = (progress: Progress): void => {
    const at = Date.now();
    if (this.finished || this.pending || at - this.lastProgressAt < PROGRESS_MIN_INTERVAL_MS) return;
    this.lastProgressAt = at;
    const write = Promise.allSettled([this.write({ progress }), this.updateJobProgress(progress)]).then((results) => {
      for (const r of results) if (r.status === 'rejected') this.log.debug({ err: r.reason }, 'progress write failed');
      if (this.pending === write) this.pending = undefined;
    });
    this.pending = write;
  };

  /**
   * What was detected and planned (DESIGN §3): best-effort like progress, but never throttled
   * away, and kept in every later write of this run, the final one included.
   */
  preview = (preview: ImportPreview): void => {
    if (this.finished) return;
    // After any write still on its way, so that one, which lacks the preview, cannot land last.
    const write = (this.pending ?? Promise.resolve())
      .then(() => this.write({ preview }))
      .catch((err: unknown) => this.log.debug({ err }, 'preview write failed'));
    this.pending = write;
    void write.then(() => {
      if (this.pending === write) this.pending = undefined;
    });
  };

  async succeeded(result: ImportResult): Promise<void> {
    const progress = { ...this.doc.progress, rows: result.rows, percent: 100 };
    await this.updateJobProgress(progress).catch(() => undefined);
    await this.finish({ state: 'succeeded', result, progress });
  }

  async failed(state: Extract<JobState, 'failed' | 'retrying'>, error: ImportError): Promise<void> {
    await this.finish({ state, error: error.toJSON() });
  }

  /** The attempt was interrupted by shutdown and the job went straight back to the queue. */
  async requeued(): Promise<void> {
    await this.finish({ state: 'queued' });
  }

  private async finish(patch: Partial<StatusDocument>): Promise<void> {
    this.finished = true;
    // A progress write still on its way must not land after this one (the store would refuse it
    // by its older updatedAt, but then the final state would not be the last word).
    await this.pending;
    const update = { ...patch, ...(patch.state && isFinalState(patch.state) ? { finishedAt: this.now().toISOString() } : {}) };
    for (const [i, delay] of FINAL_WRITE_DELAYS_MS.entries()) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      try {
        const written = await this.write(update);
        if (!written) this.log.info({ state: patch.state }, 'status not written: the document already records a later or final state');
        return;
      } catch (err) {
        if (i === FINAL_WRITE_DELAYS_MS.length - 1) {
          this.log.error({ err, state: patch.state }, 'could not write the final job status; the status store is unreachable');
        }
      }
    }
  }

  private write(patch: Partial<StatusDocument>): Promise<boolean> {
    this.doc = { ...this.doc, ...patch, updatedAt: this.now().toISOString() };
    return this.store.transition(this.doc);
  }

  private updateJobProgress(progress: Progress): Promise<void> {
    return withTimeout(this.job.updateProgress(progress), QUEUE_PROGRESS_TIMEOUT_MS);
  }
}

export interface EndedJobDeps {
  store: StatusStore;
  db: Db;
  log: Logger;
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
  const status = new JobStatus(job, deps.store, deps.log, endedRunNumber(job));
  const thrown = err instanceof ImportError ? err : err.cause instanceof ImportError ? err.cause : undefined;
  if (thrown) return status.failed('failed', thrown);
  const jobId = String(job.id);
  const list = await findImportedList(deps.db, jobId).catch((e: unknown) => {
    deps.log.warn({ err: e, jobId }, 'could not check whether the job committed its list');
    return undefined;
  });
  if (list) return status.succeeded(list);
  deps.log.error({ jobId, reason: err.message, stalls: job.stalledCounter }, 'job failed for good without an outcome of its own');
  await status.failed('failed', endedByQueue(job, err));
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
