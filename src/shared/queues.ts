import { Queue, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { ImportRequest, JobState } from './contract.js';

export const QUEUE = { importCsv: 'import-csv' } as const;
export const JOB = { importCsv: 'import-csv' } as const;

/** What a job carries: the webhook payload (a pointer to the file, never its contents). */
export interface ImportJobData {
  request: ImportRequest;
  /** Set by the api per delivery: tells the delivery that created the job from its duplicates. */
  deliveryId: string;
  queuedAt: string;
}

const DAY = 24 * 60 * 60;

export function importJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    // The dashboard keeps recent history; lists.job_id uniqueness guards duplicates forever.
    removeOnComplete: { age: 7 * DAY, count: 10_000 },
    removeOnFail: { age: 30 * DAY, count: 10_000 },
  };
}

export function createImportQueue(connection: ConnectionOptions, prefix: string): Queue<ImportJobData> {
  return new Queue<ImportJobData>(QUEUE.importCsv, { connection, prefix });
}

/**
 * Which run of the job this is, as the status document's `attempt` counts: every start, so the
 * run after a crashed worker's (a stall) or after a shutdown hand-over is the 2nd as well as the
 * one after a failure. BullMQ's `attemptsMade`, the retry budget, counts failures only.
 */
export const runNumber = (job: Job): number => Math.max(job.attemptsStarted, job.attemptsMade + 1);

/** The number of the last run that ended (0 before the first): BullMQ has counted its failure in `attemptsMade`. */
export const endedRunNumber = (job: Job): number => Math.max(job.attemptsStarted, job.attemptsMade);

/** How BullMQ's failedReason of a cancelled job starts (the processor fails jobs with `CODE: message`). */
export const CANCELLED_REASON_PREFIX = 'CANCELLED:';

/** BullMQ's state of a job, in the words of the status document. */
export function toJobState(bullState: string, attemptsMade: number, failedReason?: string): JobState {
  switch (bullState) {
    case 'active':
      return 'running';
    case 'completed':
      return 'succeeded';
    case 'failed':
      return failedReason?.startsWith(CANCELLED_REASON_PREFIX) ? 'cancelled' : 'failed';
    case 'delayed':
      return attemptsMade > 0 ? 'retrying' : 'queued';
    default:
      return 'queued';
  }
}
