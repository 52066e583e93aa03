import { isFinalState, type StatusDocument } from '../../../src/shared/contract.js';
import { ImportTimeoutError } from './errors.js';

export interface WaitForImportOptions {
  /** Give up after this long: rejects with `ImportTimeoutError` (the job itself goes on). */
  timeoutMs: number;
  /** Called, and awaited, with each document that differs from the one read before, the final one included. */
  onProgress?: (status: StatusDocument) => void | Promise<void>;
  /** Time between two reads, default 1000 ms; each read is one Upstash request. */
  pollIntervalMs?: number;
  /** Stops waiting early: rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/** Reads the job's status document until it is in a final state and resolves with it. */
export async function waitForImport(
  read: (jobId: string) => Promise<StatusDocument | null>,
  jobId: string,
  options: WaitForImportOptions,
): Promise<StatusDocument> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  let last: StatusDocument | null = null;
  let lastText: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const status = await read(jobId);
    const text = status === null ? undefined : JSON.stringify(status);
    if (status && text !== lastText) await options.onProgress?.(status);
    last = status;
    lastText = text;
    if (status && isFinalState(status.state)) return status;
    const left = deadline - Date.now();
    if (left <= 0) throw new ImportTimeoutError(jobId, options.timeoutMs, last);
    await sleep(Math.min(interval, left), options.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
