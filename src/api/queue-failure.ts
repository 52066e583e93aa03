import { TimeoutError, withTimeout } from '../shared/with-timeout.js';
import { HttpError, NON_RETRYABLE } from './errors.js';

// BullMQ waits for its connection to be ready before any command, even with the offline queue
// off; past this, Redis counts as down and QStash is told to retry later. The same bound holds
// the PING that tells a refused job from an unreachable Redis.
export const QUEUE_TIMEOUT_MS = 2_000;

// Replies of a Redis that answers but cannot take writes now: full (noeviction), a replica after
// a failover, loading its data, a failing snapshot, a long script, a cluster without a master.
const REDIS_CANNOT_WRITE = /^(OOM|READONLY|LOADING|MISCONF|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

/**
 * The webhook's answer to a failed queue call (DESIGN §3). 503 asks QStash to retry later, so it
 * is only for a Redis that is unreachable, silent or cannot write now; anything else (BullMQ
 * refusing the job, Redis refusing the command) fails the same way on every redelivery, so it is
 * a 400 QStash must not retry. Error texts differ between ioredis versions and connection states,
 * so the two are told apart by asking Redis itself: an error while Redis answers PING is about
 * this request, not about the connection.
 */
export async function queueFailure(err: unknown, ping: () => Promise<unknown>, timeoutMs: number): Promise<HttpError> {
  const unavailable = err instanceof TimeoutError || REDIS_CANNOT_WRITE.test(messageOf(err)) || !(await answers(ping, timeoutMs));
  if (unavailable) return new HttpError(503, 'queue unavailable, retry later', { cause: err });
  return new HttpError(400, 'the queue refused this job, so it can never be queued', { headers: NON_RETRYABLE, cause: err });
}

async function answers(ping: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  try {
    await withTimeout(ping(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A queue call bounded like the webhook's, its failure turned into the webhook's answer. */
export async function callQueue<T>(call: Promise<T>, ping: () => Promise<unknown>, timeoutMs = QUEUE_TIMEOUT_MS): Promise<T> {
  try {
    return await withTimeout(call, timeoutMs);
  } catch (err) {
    throw await queueFailure(err, ping, timeoutMs);
  }
}
