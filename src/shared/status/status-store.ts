import type { Redis as IORedis } from 'ioredis';
import { Redis as UpstashRedis } from '@upstash/redis';
import { statusKey, type StatusDocument } from '../contract.js';

/**
 * Where status documents live for the main app to poll: Upstash Redis over REST when configured,
 * else the BullMQ Redis under the same keys. A mirror, not the truth (Postgres and BullMQ are).
 */
export interface StatusStore {
  write(doc: StatusDocument): Promise<void>;
  /** Writes only when no document exists yet, so a late `queued` never hides `running`. */
  writeIfAbsent(doc: StatusDocument): Promise<boolean>;
  read(jobId: string): Promise<StatusDocument | undefined>;
}

export interface StatusStoreConfig {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  STATUS_TTL_SECONDS: number;
}

/**
 * Per request. The SDK's fetch has no timeout of its own: an Upstash endpoint that accepts the
 * connection and never answers held the webhook's 202 and the worker's import (which awaits its
 * `running` and final writes) forever. A mirror write that takes longer has failed.
 */
export const STATUS_REQUEST_TIMEOUT_MS = 2_000;

export function createStatusStore(config: StatusStoreConfig, redis: IORedis): StatusStore {
  const ttl = config.STATUS_TTL_SECONDS;
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    const upstash = new UpstashRedis({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      automaticDeserialization: false,
      enableTelemetry: false,
      // Our own retry policy lives in the worker's status reporter.
      retry: { retries: 1, backoff: () => 200 },
      // A function, so each request gets a fresh timer (and an abort throws instead of the SDK
      // turning it into a fake 200 answer, as it does for a plain AbortSignal).
      signal: () => AbortSignal.timeout(STATUS_REQUEST_TIMEOUT_MS),
    });
    return {
      async write(doc) {
        await upstash.set(statusKey(doc.jobId), JSON.stringify(doc), { ex: ttl });
      },
      async writeIfAbsent(doc) {
        return (await upstash.set(statusKey(doc.jobId), JSON.stringify(doc), { ex: ttl, nx: true })) === 'OK';
      },
      async read(jobId) {
        const raw = await upstash.get<string>(statusKey(jobId));
        return raw ? (JSON.parse(raw) as StatusDocument) : undefined;
      },
    };
  }
  return {
    async write(doc) {
      await redis.set(statusKey(doc.jobId), JSON.stringify(doc), 'EX', ttl);
    },
    async writeIfAbsent(doc) {
      return (await redis.set(statusKey(doc.jobId), JSON.stringify(doc), 'EX', ttl, 'NX')) === 'OK';
    },
    async read(jobId) {
      const raw = await redis.get(statusKey(jobId));
      return raw ? (JSON.parse(raw) as StatusDocument) : undefined;
    },
  };
}
