import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CompletionCallbacks } from '../shared/callbacks/completion-callbacks.js';
import { cancelChannel, cancelKey } from '../shared/cancellation.js';
import type { StatusDocument } from '../shared/contract.js';
import type { Logger } from '../shared/logger.js';
import { CANCELLED_REASON_PREFIX, endedRunNumber, type ImportJobData } from '../shared/queues.js';
import { JobStatus } from '../shared/status/job-status.js';
import type { StatusStore } from '../shared/status/status-store.js';
import { callQueue } from './queue-failure.js';

export interface CancelDeps {
  queue: Queue<ImportJobData>;
  /** The queue's Redis: the cancel key and the announcement live beside the jobs. */
  redis: Redis;
  queuePrefix: string;
  /** How long a cancelled jobId is remembered (STATUS_TTL_SECONDS). */
  rememberSeconds: number;
  status: StatusStore;
  /** Whether PostgreSQL holds the job's list: a committed import is the truth, whatever else says. */
  listCommitted(jobId: string): Promise<boolean>;
  /** A job cancelled before it ran ends here, not in a worker: its completion callback too. */
  callbacks: CompletionCallbacks;
  log: Logger;
}

/** The answers of DESIGN §13's table. */
export type CancelOutcome =
  | { status: 202; state: 'cancelling' }
  | { status: 200; state: 'cancelled' }
  | { status: 409; state: 'succeeded' | 'failed' }
  | { status: 404 };

/**
 * Decides in one step, beside BullMQ's own keys, what the job is and records the cancel unless
 * the job has ended: a worker takes a job (and its lock) in a script of its own, so the two never
 * interleave. A job no worker holds then cannot start importing: every run asks for the key
 * before it opens the file and again just before COMMIT. A job a worker holds is `running`.
 * KEYS: the cancel key, the job's hash, its lock, the completed and failed sets. ARGV: jobId, TTL,
 * the failedReason prefix of a cancelled job.
 */
const REQUEST_CANCEL_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 'cancelled' end
  return 'unknown'
end
if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 'succeeded' end
if redis.call('ZSCORE', KEYS[5], ARGV[1]) then
  local reason = redis.call('HGET', KEYS[2], 'failedReason')
  if reason and string.sub(reason, 1, #ARGV[3]) == ARGV[3] then return 'cancelled' end
  return 'failed'
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
if redis.call('EXISTS', KEYS[3]) == 1 then return 'running' end
return 'waiting'
`;

type Found = 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';

export async function cancelJob(deps: CancelDeps, jobId: string): Promise<CancelOutcome> {
  const { queue, redis } = deps;
  const jobKey = queue.toKey(jobId);
  const key = cancelKey(deps.queuePrefix, jobId);
  const found = (await callQueue(
    redis.eval(REQUEST_CANCEL_SCRIPT, 5, key, jobKey, `${jobKey}:lock`, queue.toKey('completed'), queue.toKey('failed'), jobId, String(deps.rememberSeconds), CANCELLED_REASON_PREFIX),
    () => redis.ping(),
  )) as Found;
  switch (found) {
    case 'running':
      // Workers also poll the key: an announcement a worker's subscriber missed is only a delay.
      await callQueue(redis.publish(cancelChannel(deps.queuePrefix), jobId), () => redis.ping());
      deps.log.info({ jobId }, 'cancel requested for a running import');
      return { status: 202, state: 'cancelling' };
    case 'waiting':
      return cancelWaiting(deps, jobId, key);
    case 'succeeded':
    case 'failed':
      return tooLate(deps, jobId, found);
    default:
      // The job's record may be gone (retention) while its list stays; a cancel that lost the
      // race to the COMMIT left its key behind too.
      if (await deps.listCommitted(jobId)) return tooLate(deps, jobId, 'succeeded');
      if (found === 'cancelled') return { status: 200, state: 'cancelled' };
      deps.log.info({ jobId }, 'cancel for an unknown import');
      return { status: 404 };
  }
}

function tooLate(deps: CancelDeps, jobId: string, state: 'succeeded' | 'failed'): CancelOutcome {
  deps.log.info({ jobId, state }, 'cancel came after the import finished');
  return { status: 409, state };
}

/**
 * A job no worker holds: taken out of the queue, so it never runs and the dashboard does not show
 * it waiting. BullMQ refuses to remove a job a worker has just taken; that run finds the key at
 * its start and ends CANCELLED without reading the file, so the answer is the same.
 */
async function cancelWaiting(deps: CancelDeps, jobId: string, key: string): Promise<CancelOutcome> {
  const job = await callQueue(deps.queue.getJob(jobId), () => deps.redis.ping());
  // An earlier run committed the list and died before BullMQ heard: the job succeeded.
  if (await deps.listCommitted(jobId)) {
    await deps.redis.del(key).catch(() => undefined);
    return tooLate(deps, jobId, 'succeeded');
  }
  const removed = await callQueue(deps.queue.remove(jobId), () => deps.redis.ping());
  const run = {
    jobId,
    attempt: job ? endedRunNumber(job) : 0,
    queuedAt: job?.data?.queuedAt ?? new Date(job?.timestamp ?? Date.now()).toISOString(),
  };
  const callbackUrl = job?.data?.request?.callbackUrl;
  const onFinal = (doc: StatusDocument) => deps.callbacks.send(doc, callbackUrl);
  await new JobStatus(run, deps.status, deps.log.child({ jobId }), { onFinal }).cancelled();
  deps.log.info({ jobId, removed: removed === 1 }, 'import cancelled before it ran');
  return { status: 200, state: 'cancelled' };
}

/** A cancel was recorded for the jobId and no list was committed: what a late import delivery asks. */
export async function wasCancelled(deps: Pick<CancelDeps, 'redis' | 'queuePrefix' | 'listCommitted'>, jobId: string): Promise<boolean> {
  const recorded = await callQueue(deps.redis.exists(cancelKey(deps.queuePrefix, jobId)), () => deps.redis.ping());
  return recorded === 1 && !(await deps.listCommitted(jobId));
}
