import type { Redis as IORedis } from 'ioredis';
import { Redis as UpstashRedis } from '@upstash/redis';
import { FINAL_STATES, statusKey, type StatusDocument } from '../contract.js';
import { withTimeout } from '../with-timeout.js';

/**
 * Where status documents live for the main app to poll: Upstash Redis over REST when configured,
 * else the BullMQ Redis under the same keys. A mirror, not the truth (Postgres and BullMQ are).
 */
export interface StatusStore {
  /**
   * Writes the document unless it would take the job's life backwards (DESIGN §3): an older
   * attempt never overwrites a newer one's document, nothing overwrites an attempt's final state
   * or a later write of the same attempt, and nothing ever overwrites `cancelled`. Decided and
   * written in one step in the store, so two workers cannot interleave. Resolves with whether
   * the document was written.
   */
  transition(doc: StatusDocument): Promise<boolean>;
  read(jobId: string): Promise<StatusDocument | undefined>;
}

export interface StatusStoreConfig {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  STATUS_TTL_SECONDS: number;
  STATUS_KEY_PREFIX: string;
}

/**
 * Per request. The SDK's fetch has no timeout of its own: an Upstash endpoint that accepts the
 * connection and never answers held the webhook's 202 and the worker's import (which awaits its
 * `running` and final writes) forever. A mirror write that takes longer has failed. The BullMQ
 * Redis gets the same bound: the worker's connection queues commands until Redis answers.
 */
export const STATUS_REQUEST_TIMEOUT_MS = 2_000;

/**
 * The rule, as one Lua script (EVAL runs atomically on Redis and on Upstash). It reads the stored
 * document's state, attempt and updatedAt from the front of its JSON, where `serialize` puts
 * them, rather than decoding it: Upstash's Lua environment is not promised to carry cjson. A
 * document that does not start that way (none of ours) counts as absent.
 * KEYS[1] the key; ARGV: the document, its TTL in seconds, its attempt, its updatedAt, the final
 * states and the states never started over, each list as " a b ".
 */
const TRANSITION_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local state, attempt, updatedAt = string.match(current, '^{"state":"(%a+)","attempt":(%d+),"updatedAt":"([^"]*)"')
  if state then
    local incoming = tonumber(ARGV[3])
    attempt = tonumber(attempt)
    local final = string.find(ARGV[5], ' ' .. state .. ' ', 1, true)
    if string.find(ARGV[6], ' ' .. state .. ' ', 1, true) or incoming < attempt then return 0 end
    if incoming == attempt and (final or ARGV[4] < updatedAt) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
`;

const FINAL = ` ${FINAL_STATES.join(' ')} `;
const NEVER_STARTED_OVER = ' cancelled ';

/** The fields the script compares first, in a fixed order; readers see the same JSON document. */
function serialize(doc: StatusDocument): string {
  const { state, attempt, updatedAt, ...rest } = doc;
  return JSON.stringify({ state, attempt, updatedAt, ...rest });
}

export function createStatusStore(config: StatusStoreConfig, redis: IORedis): StatusStore {
  const ttl = config.STATUS_TTL_SECONDS;
  const key = (jobId: string) => statusKey(jobId, config.STATUS_KEY_PREFIX);
  const args = (doc: StatusDocument) => [serialize(doc), String(ttl), String(doc.attempt), doc.updatedAt, FINAL, NEVER_STARTED_OVER];
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    const upstash = new UpstashRedis({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      automaticDeserialization: false,
      enableTelemetry: false,
      // Our own retry policy lives in job-status.ts (final states).
      retry: { retries: 1, backoff: () => 200 },
      // A function, so each request gets a fresh timer (and an abort throws instead of the SDK
      // turning it into a fake 200 answer, as it does for a plain AbortSignal).
      signal: () => AbortSignal.timeout(STATUS_REQUEST_TIMEOUT_MS),
    });
    return {
      async transition(doc) {
        return Number(await upstash.eval(TRANSITION_SCRIPT, [key(doc.jobId)], args(doc))) === 1;
      },
      async read(jobId) {
        const raw = await upstash.get<string>(key(jobId));
        return raw ? (JSON.parse(raw) as StatusDocument) : undefined;
      },
    };
  }
  const bounded = <T>(call: Promise<T>) => withTimeout(call, STATUS_REQUEST_TIMEOUT_MS);
  return {
    async transition(doc) {
      return Number(await bounded(redis.eval(TRANSITION_SCRIPT, 1, key(doc.jobId), ...args(doc)))) === 1;
    },
    async read(jobId) {
      const raw = await bounded(redis.get(key(jobId)));
      return raw ? (JSON.parse(raw) as StatusDocument) : undefined;
    },
  };
}
