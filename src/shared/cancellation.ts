import { QUEUE } from './queues.js';

/**
 * Where a cancelled job is remembered and announced, in the BullMQ Redis (the api and every worker
 * share it). The key sits under the queue prefix, so with a hash tag (`{csv-import}`) it lands in
 * the queue's own Cluster slot and one script can read it beside the job's keys. The `cancelled`
 * segment is a queue name of nobody's: BullMQ's keys are `<prefix>:import-csv:…`, so no job id
 * (which cannot contain `:`) can make one of them collide with ours.
 */
export const cancelKey = (queuePrefix: string, jobId: string): string => `${queuePrefix}:cancelled:${QUEUE.importCsv}:${jobId}`;

/** The pub/sub channel the api announces a running job's cancel on; its message is the jobId. */
export const cancelChannel = (queuePrefix: string): string => `${queuePrefix}:cancelled:${QUEUE.importCsv}`;

