import type { Queue } from 'bullmq';
import { createImportQueue, type ImportJobData } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import type { TestService } from './service.js';

export interface ImportQueueHandle {
  queue: Queue<ImportJobData>;
  /** BullMQ's own state of a job ('completed', 'failed', …; 'unknown' once it is gone). */
  state(jobId: string): Promise<string>;
  /** Waits for BullMQ's state, which lags the status document by the processor's return. */
  waitForState(jobId: string, state: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A second view of the service's import queue, straight from Redis, to check what the api did. */
export function openImportQueue(service: TestService): ImportQueueHandle {
  const redis = createRedis(service.env.REDIS_URL!, 'worker');
  const queue = createImportQueue(redis, service.env.QUEUE_PREFIX!);
  const handle: ImportQueueHandle = {
    queue,
    state: (jobId) => queue.getJobState(jobId),
    async waitForState(jobId, state, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await handle.state(jobId);
        if (last === state) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`BullMQ job ${jobId} is ${last}, not ${state}, after ${timeoutMs} ms`);
    },
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
  return handle;
}
