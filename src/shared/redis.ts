import { Redis } from 'ioredis';

export type RedisRole = 'producer' | 'worker';

/**
 * The two connection profiles BullMQ needs. A producer in an HTTP process fails fast when Redis
 * is away (the webhook answers 503 and QStash retries); a worker connection waits and reconnects
 * forever, as BullMQ requires (`maxRetriesPerRequest: null`).
 */
export function createRedis(url: string, role: RedisRole): Redis {
  return role === 'producer'
    ? new Redis(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
        retryStrategy: (times) => Math.min(times * 200, 2_000),
      })
    : new Redis(url, {
        maxRetriesPerRequest: null,
        retryStrategy: (times) => Math.min(times * 200, 2_000),
      });
}
