import { randomBytes } from 'node:crypto';
import { isFinalState, type ImportPreview, type ImportResult, type JobState, type Progress, type RequestIssue, type StatusDocument } from '../contract.js';
import { ImportError } from '../errors.js';
import type { Logger } from '../logger.js';
import { boundStatusDocument } from './bounded-document.js';
import type { StatusStore, StatusWriter } from './status-store.js';

const PROGRESS_MIN_INTERVAL_MS = 1_000;
const FINAL_WRITE_DELAYS_MS = [0, 250, 1_000, 2_000, 4_000];
const NO_PROGRESS: Progress = { rows: 0, bytes: 0, totalBytes: 0, percent: 0 };

/** Which job, which run of it (the status document's `attempt`), and when it was queued. */
export interface JobRun {
  jobId: string;
  attempt: number;
  queuedAt: string;
  /** Set for a run a worker started; absent for a job cancelled before it ran. */
  startedAt?: string;
}

export interface JobStatusOptions {
  /** Mirrors progress to the queue as well (the dashboard); best-effort like the status write. */
  reportProgress?(progress: Progress): Promise<void>;
  /**
   * Told the final document once this run wrote a final state (the completion callback, DESIGN
   * §13); not when the store refused the write (another run, or this one, said it first). Awaited,
   * so it must bound its own time and never reject.
   */
  onFinal?(doc: StatusDocument): Promise<void>;
  now?(): Date;
}

/** What a cancelled job's document says, wherever the cancel caught it (DESIGN §13). */
export const cancelledError = (): ImportError =>
  new ImportError('CANCELLED', 'the import was cancelled; nothing was imported');

/**
 * A job's life as the status document tells it: every state change of a job goes through here
 * (STYLE §9: the api's webhook and cancel routes, the processor, the handler of jobs BullMQ ends),
 * and the store's transition refuses any that would go backwards (DESIGN §3). One instance
 * speaks for one run. Progress is best-effort and throttled; a final state is retried, then given
 * up loudly, and once written is handed to `onFinal` (the completion callback, which this module
 * knows nothing of). Nothing here ever fails the import. Plain data in, so the api needs no BullMQ job.
 */
export class JobStatus {
  private doc: StatusDocument;
  private lastProgressAt = 0;
  private pending: Promise<unknown> | undefined;
  private finished = false;
  private readonly now: () => Date;
  /** This instance's writes, numbered: the store keeps them in this order whatever the network does. */
  private readonly writer: StatusWriter = { id: randomBytes(6).toString('hex'), seq: 0 };

  constructor(
    run: JobRun,
    private readonly store: StatusStore,
    private readonly log: Logger,
    private readonly options: JobStatusOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.doc = {
      jobId: run.jobId,
      state: run.startedAt ? 'running' : 'queued',
      attempt: run.attempt,
      progress: NO_PROGRESS,
      queuedAt: run.queuedAt,
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      updatedAt: this.now().toISOString(),
    };
  }

  /** The webhook queued the job; a write that loses to a later state is no failure. */
  async queued(): Promise<void> {
    await this.write({ state: 'queued' }).catch((err: unknown) => this.log.warn({ err }, 'could not write queued status'));
  }

  async running(): Promise<void> {
    await this.write({ state: 'running' }).catch((err: unknown) => this.log.warn({ err }, 'could not write running status'));
  }

  /** Called every PROGRESS_REPORT_INTERVAL rows; writes at most once a second, one write at a time. */
  progress = (progress: Progress): void => {
    const at = Date.now();
    if (this.finished || this.pending || at - this.lastProgressAt < PROGRESS_MIN_INTERVAL_MS) return;
    this.lastProgressAt = at;
    const write = Promise.allSettled([this.write({ progress }), this.reportProgress(progress)]).then((results) => {
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
    await this.reportProgress(progress).catch(() => undefined);
    await this.finish({ state: 'succeeded', result, progress });
  }

  async failed(state: Extract<JobState, 'failed' | 'retrying'>, error: ImportError): Promise<void> {
    await this.finish({ state, error: error.toJSON() });
  }

  /** Final, and never started over (the store's rule): no later run or redelivery revives the job. */
  async cancelled(): Promise<void> {
    await this.finish({ state: 'cancelled', error: cancelledError().toJSON() });
  }

  /** The api refused the request (DESIGN §3): failed at once, with the issues that refused it, for a job that never existed. */
  async refused(error: ImportError, issues: RequestIssue[]): Promise<void> {
    await this.finish({ state: 'failed', error: { ...error.toJSON(), issues } });
  }

  /** The attempt was interrupted by shutdown and the job went straight back to the queue. */
  async requeued(): Promise<void> {
    await this.finish({ state: 'queued' });
  }

  private async finish(patch: Partial<StatusDocument>): Promise<void> {
    this.finished = true;
    // A progress write still on its way must not land after this one (the store would refuse it
    // by this writer's numbering, but then the final state would not be the last word).
    await this.pending;
    const update = { ...patch, ...(patch.state && isFinalState(patch.state) ? { finishedAt: this.now().toISOString() } : {}) };
    for (const [i, delay] of FINAL_WRITE_DELAYS_MS.entries()) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      try {
        const written = await this.write(update);
        if (!written) this.log.info({ state: patch.state }, 'status not written: the document already records a later or final state');
        else await this.announceFinal();
        return;
      } catch (err) {
        if (i === FINAL_WRITE_DELAYS_MS.length - 1) {
          this.log.error({ err, state: patch.state }, 'could not write the final job status; the status store is unreachable');
          // The job did end so (BullMQ holds it): the callback is then the app's only word of it.
          await this.announceFinal();
        }
      }
    }
  }

  private async announceFinal(): Promise<void> {
    if (!isFinalState(this.doc.state)) return;
    await this.options.onFinal?.(this.doc).catch((err: unknown) => this.log.error({ err, state: this.doc.state }, 'completion callback failed'));
  }

  /** Whether the store took the write; the document then carries the revision the store gave it. */
  private async write(patch: Partial<StatusDocument>): Promise<boolean> {
    // Bounded here, where every document is written: the store and the callback get the same one.
    this.doc = boundStatusDocument({ ...this.doc, ...patch, updatedAt: this.now().toISOString() });
    const writer = { ...this.writer, seq: ++this.writer.seq };
    const revision = await this.store.transition(this.doc, writer);
    if (revision) this.doc = { ...this.doc, revision, writer: `${writer.id}:${writer.seq}` };
    return revision > 0;
  }

  private reportProgress(progress: Progress): Promise<void> {
    return this.options.reportProgress?.(progress) ?? Promise.resolve();
  }
}
