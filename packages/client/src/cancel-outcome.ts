import type { StatusDocument } from '../../../src/shared/contract.js';
import { ImportTimeoutError } from './errors.js';
import { waitForImport } from './wait-for-import.js';

export interface CancelImportOptions {
  /** How long to watch for the cancel's effect; default 30 s. */
  timeoutMs?: number;
  /** Time between two status reads, default 1000 ms. */
  pollIntervalMs?: number;
}

/**
 * What a cancel did: `cancelled` (it will not run, or it was stopped and rolled back), `finished`
 * (too late: `status` is the final document, succeeded or failed) or `unknown` (no status
 * document appeared within the timeout: no such job, or its document expired).
 */
export type CancelOutcome = 'cancelled' | 'finished' | 'unknown';

export interface CancelResult {
  jobId: string;
  outcome: CancelOutcome;
  status: StatusDocument | null;
}

export const DEFAULT_CANCEL_TIMEOUT_MS = 30_000;

/**
 * Watches the job's status document after the cancel was published. The api answers the cancel
 * to QStash, not to the app, so the document is the one place the app can learn the outcome.
 * A job that is still queued or running at the deadline rejects with `ImportTimeoutError`: the
 * cancel is still on its way (QStash retries it), and neither answer would be true yet.
 */
export async function watchCancel(
  read: (jobId: string) => Promise<StatusDocument | null>,
  jobId: string,
  options: CancelImportOptions,
): Promise<CancelResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CANCEL_TIMEOUT_MS;
  try {
    const status = await waitForImport(read, jobId, { timeoutMs, pollIntervalMs: options.pollIntervalMs });
    return { jobId, outcome: status.state === 'cancelled' ? 'cancelled' : 'finished', status };
  } catch (err) {
    if (err instanceof ImportTimeoutError && err.lastStatus === null) return { jobId, outcome: 'unknown', status: null };
    throw err;
  }
}
