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
   * attempt never overwrites a newer one's document, nothing overwrites an attempt's final state,
   * nothing ever overwrites `cancelled`, and a writer's own writes never land out of the order it
   * made them. Which of two writers' writes is newer is the order the store runs them in, never a
   * host's clock (the api's and a worker's disagree). Decided and written in one step in the
   * store, so two workers cannot interleave. Resolves with the document's revision, the store's
   * count of its writes, or 0 when the write was refused.
   */
  transition(doc: StatusDocument, writer?: StatusWriter): Promise<number>;
  read(jobId: string): Promise<StatusDocument | undefined>;
}

/** Who writes, and the number of this write among its own: a JobStatus numbers its writes 1, 2, … */
export interface StatusWriter {
  /** Unique per writer; no `:` or `"`. */
  id: string;
  seq: number;
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
 * document's state, attempt, revision and writer from the front of its JSON, where `serialize`
 * puts them, rather than decoding it: Upstash's Lua environment is not promised to carry cjson.
 * `updatedAt` stays third, where the previous version of this script looked for it, so documents
 * of either version are read by both during a rolling deploy; one without a revision counts as
 * revision 0 by no known writer, and one that does not start so (none of ours) as absent.
 * The revision is handed out here, by the store: the document is sent in two halves, around it.
 * KEYS[1] the key; ARGV: the document's halves, its TTL in seconds, its attempt, the writer and
 * its write's number, the final states and the states never started over, each list as " a b ".
 */
const TRANSITION_SCRIPT = `
local revision = 0
local current = redis.call('GET', KEYS[1])
if current then
  local state, attempt, rest = string.match(current, '^{"state":"(%a+)","attempt":(%d+),"updatedAt":"[^"]*"(.*)')
  if state then
    revision = tonumber(string.match(rest, '^,"revision":(%d+)')) or 0
    local writer, seq = string.match(rest, '^,"revision":%d+,"writer":"([^":]+):(%d+)"')
    local incoming = tonumber(ARGV[4])
    attempt = tonumber(attempt)
    if string.find(ARGV[8], ' ' .. state .. ' ', 1, true) or incoming < attempt then return 0 end
    if incoming == attempt then
      if string.find(ARGV[7], ' ' .. state .. ' ', 1, true) then return 0 end
      if ARGV[5] ~= '' and writer == ARGV[5] and tonumber(seq) >= tonumber(ARGV[6]) then return 0 end
    end
  end
end
revision = revision + 1
redis.call('SET', KEYS[1], ARGV[1] .. revision .. ARGV[2], 'EX', ARGV[3])
return revision
`;

const FINAL = ` ${FINAL_STATES.join(' ')} `;
const NEVER_STARTED_OVER = ' cancelled ';
const NO_WRITER: StatusWriter = { id: '', seq: 0 };

/**
 * The fields the script compares first, in a fixed order, split where the store puts the
 * revision; readers see one JSON document.
 */
function serialize(doc: StatusDocument, writer: StatusWriter): [head: string, tail: string] {
  const { state, attempt, updatedAt, revision: _revision, writer: _writer, ...rest } = doc;
  const head = JSON.stringify({ state, attempt, updatedAt, revision: 0 }).slice(0, -2);
  const body = JSON.stringify(rest);
  const signed = writer.id ? `,"writer":"${writer.id}:${writer.seq}"` : '';
  return [head, `${signed}${body === '{}' ? '}' : `,${body.slice(1)}`}`];
}

export function createStatusStore(config: StatusStoreConfig, redis: IORedis): StatusStore {
  const ttl = config.STATUS_TTL_SECONDS;
  const key = (jobId: string) => statusKey(jobId, config.STATUS_KEY_PREFIX);
  const args = (doc: StatusDocument, writer: StatusWriter = NO_WRITER) => [
    ...serialize(doc, writer), String(ttl), String(doc.attempt), writer.id, String(writer.seq), FINAL, NEVER_STARTED_OVER,
  ];
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
      async transition(doc, writer) {
        return Number(await upstash.eval(TRANSITION_SCRIPT, [key(doc.jobId)], args(doc, writer)));
      },
      async read(jobId) {
        const raw = await upstash.get<string>(key(jobId));
        return raw ? (JSON.parse(raw) as StatusDocument) : undefined;
      },
    };
  }
  const bounded = <T>(call: Promise<T>) => withTimeout(call, STATUS_REQUEST_TIMEOUT_MS);
  return {
    async transition(doc, writer) {
      return Number(await bounded(redis.eval(TRANSITION_SCRIPT, 1, key(doc.jobId), ...args(doc, writer))));
    },
    async read(jobId) {
      const raw = await bounded(redis.get(key(jobId)));
      return raw ? (JSON.parse(raw) as StatusDocument) : undefined;
    },
  };
}
