import type { Job } from 'bullmq';
import type { ImportResult, JobState, Progress, StatusDocument } from '../../shared/contract.js';
import type { ImportError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ImportJobData } from '../../shared/queues.js';
import type { StatusStore } from '../../shared/status/status-store.js';

const PROGRESS_MIN_INTERVAL_MS = 1_000;
const FINAL_WRITE_DELAYS_MS = [0, 250, 1_000, 2_000, 4_000];

/**
 * Which run of the job this is, as the status document's `attempt` counts: every start, so the
 * run after a crashed worker's (a stall) or after a shutdown hand-over is the 2nd as well as the
 * one after a failure. BullMQ's `attemptsMade`, the retry budget, counts failures only.
 */
export const runNumber = (job: Job): number => Math.max(job.attemptsStarted, job.attemptsMade + 1);

/**
 * Mirrors one attempt's state to the status store and to BullMQ job progress (the dashboard).
 * Progress is best-effort and throttled; the final state is retried, then given up loudly.
 * Nothing here ever fails the import.
 */
export class JobStatusReporter {
  private doc: StatusDocument;
  private lastProgressAt = 0;
  private pending: Promise<unknown> | undefined;

  constructor(
    private readonly job: Job<ImportJobData>,
    private readonly store: StatusStore,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    const at = this.now().toISOString();
    this.doc = {
      jobId: job.data.request.jobId,
      state: 'running',
      attempt: runNumber(job),
      progress: { rows: 0, bytes: 0, totalBytes: 0, percent: 0 },
      queuedAt: job.data.queuedAt,
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
    if (this.pending || at - this.lastProgressAt < PROGRESS_MIN_INTERVAL_MS) return;
    this.lastProgressAt = at;
    this.pending = Promise.allSettled([this.write({ progress }), this.job.updateProgress(progress)]).then((results) => {
      for (const r of results) if (r.status === 'rejected') this.log.debug({ err: r.reason }, 'progress write failed');
      this.pending = undefined;
    });
  };

  async succeeded(result: ImportResult): Promise<void> {
    const progress = { ...this.doc.progress, rows: result.rows, percent: 100 };
    await this.job.updateProgress(progress).catch(() => undefined);
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
    // A progress write still on its way could land after this one and undo it.
    await this.pending;
    const final = patch.state === 'succeeded' || patch.state === 'failed';
    const update = { ...patch, ...(final ? { finishedAt: this.now().toISOString() } : {}) };
    for (const [i, delay] of FINAL_WRITE_DELAYS_MS.entries()) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      try {
        await this.write(update);
        return;
      } catch (err) {
        if (i === FINAL_WRITE_DELAYS_MS.length - 1) {
          this.log.error({ err, state: patch.state }, 'could not write the final job status; the status store is unreachable');
        }
      }
    }
  }

  private async write(patch: Partial<StatusDocument>): Promise<void> {
    this.doc = { ...this.doc, ...patch, updatedAt: this.now().toISOString() };
    await this.store.write(this.doc);
  }
}
