import type { Redis } from 'ioredis';
import { cancelChannel, cancelKey } from '../shared/cancellation.js';
import { ImportError } from '../shared/errors.js';
import { cancelledError } from '../shared/status/job-status.js';
import type { Logger } from '../shared/logger.js';
import { withTimeout } from '../shared/with-timeout.js';

/** Why a running import was aborted because its job was cancelled (the AbortSignal's reason). */
export const CANCEL_REASON = 'job cancelled';

/**
 * How often the worker asks Redis about the jobs it runs, besides hearing the api's announcement:
 * pub/sub is fire-and-forget, so a message sent while the subscriber was reconnecting (or to a
 * connection that went silent without closing) is lost. One MGET per process per second, only
 * while it runs jobs; with the abort's own few hundred ms it keeps DESIGN §13's 2 s.
 */
const POLL_MS = 1_000;
const CHECK_TIMEOUT_MS = 2_000;

export interface CancelWatch {
  /** Aborted, with CANCEL_REASON, once a cancel of the job is heard of or found. */
  signal: AbortSignal;
  /** Throws CANCELLED when a cancel of the job is recorded (before the file is opened, before COMMIT). */
  confirmNotCancelled(): Promise<void>;
  /** Whether a cancel is recorded; false when Redis does not say. */
  requested(): Promise<boolean>;
  stop(): void;
}

export interface CancelWatcher {
  watch(jobId: string): CancelWatch;
  close(): Promise<void>;
}

/**
 * Cross-process cancellation for one worker process (DESIGN §13). BullMQ's `worker.cancelJob`
 * aborts only a job of its own process, and its Relay is marked experimental (its API may change
 * in a minor release, and it brings node leases, heartbeats and inbox streams): so the api records
 * the cancel in a key and announces it on a channel of ours; each process subscribes on a
 * connection of its own, and polls the key of every job it runs as a backstop, also at once when
 * the subscriber reconnects. The key, not the message, is the truth.
 */
export function createCancelWatcher(connection: Redis, queuePrefix: string, log: Logger): CancelWatcher {
  const running = new Map<string, Set<AbortController>>();
  const channel = cancelChannel(queuePrefix);
  const keyOf = (jobId: string) => cancelKey(queuePrefix, jobId);
  const abort = (jobId: string) => {
    for (const controller of running.get(jobId) ?? []) if (!controller.signal.aborted) controller.abort(CANCEL_REASON);
  };

  let polling = false;
  const poll = async () => {
    if (polling || running.size === 0) return;
    polling = true;
    try {
      const ids = [...running.keys()];
      const values = await withTimeout(connection.mget(...ids.map(keyOf)), CHECK_TIMEOUT_MS);
      ids.forEach((id, i) => values[i] !== null && abort(id));
    } catch (err) {
      log.debug({ err }, 'could not poll for cancelled jobs');
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), POLL_MS);
  timer.unref();

  const subscriber = connection.duplicate();
  subscriber.on('error', (err) => log.warn({ err: err.message }, 'cancel subscriber connection error'));
  subscriber.on('message', (_channel, jobId: string) => abort(jobId));
  // ioredis subscribes again on reconnect; what was announced meanwhile only the key still says.
  subscriber.on('ready', () => void poll());
  subscriber.subscribe(channel).catch((err: unknown) => log.warn({ err }, 'could not subscribe to cancel announcements'));

  const requested = async (jobId: string) =>
    (await withTimeout(connection.exists(keyOf(jobId)), CHECK_TIMEOUT_MS, () =>
      new ImportError('QUEUE_UNAVAILABLE', `the job queue (Redis) did not answer within ${CHECK_TIMEOUT_MS / 1000} s whether the import was cancelled; it will be retried`),
    )) === 1;

  return {
    watch(jobId) {
      const controller = new AbortController();
      const set = running.get(jobId) ?? new Set();
      running.set(jobId, set.add(controller));
      return {
        signal: controller.signal,
        async confirmNotCancelled() {
          if (controller.signal.aborted || (await requested(jobId))) {
            controller.abort(CANCEL_REASON);
            throw cancelledError();
          }
        },
        requested: () => requested(jobId).catch(() => false),
        stop() {
          set.delete(controller);
          if (set.size === 0) running.delete(jobId);
        },
      };
    },
    async close() {
      clearInterval(timer);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
