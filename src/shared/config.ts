import { z } from 'zod';
import { DEFAULT_STATUS_KEY_PREFIX } from './contract.js';

/**
 * The only module that reads process.env. Each process parses the part it needs, once, in its
 * main.ts, and passes the result down.
 */

/**
 * An empty variable is an unset one (DESIGN §9): its default applies. Without this `PORT=''`
 * coerced to 0 (a random port) and `SHUTDOWN_TIMEOUT_MS=''` to an immediate abort.
 */
const emptyIsUnset = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const integer = (min: number) => z.coerce.number().int().min(min);
const int = (min: number, fallback: number) => emptyIsUnset(integer(min).default(fallback));
const optionalInt = (min: number) => emptyIsUnset(integer(min).optional());
const bool = (fallback: boolean) =>
  emptyIsUnset(z.enum(['true', 'false']).transform((v) => v === 'true').default(fallback));
const optionalString = emptyIsUnset(z.string().optional());
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  emptyIsUnset(z.enum(values).default(fallback as never));
const nonEmpty = (fallback: string) => emptyIsUnset(z.string().min(1).default(fallback));
/** A bearer token guessing cannot find: short ones are refused rather than trusted. */
const metricsToken = emptyIsUnset(z.string().min(16, 'must be at least 16 characters').optional());

const Base = z.object({
  NODE_ENV: oneOf(['development', 'test', 'production'], 'development'),
  LOG_LEVEL: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
  DATABASE_URL: z.string().url(),
});

const Limits = z.object({
  MAX_FILE_SIZE: int(1, 200 * 1024 * 1024),
  MAX_COLUMNS: int(1, 1000),
  MAX_RECORD_BYTES: int(1024, 1024 * 1024),
  MAX_ROWS: optionalInt(1),
  /** What a compressed file may inflate to (DESIGN §5.6): a gzip bomb stops here, or sooner by its ratio. */
  MAX_INFLATED_BYTES: int(1, 2 * 1024 * 1024 * 1024),
  /** An import waiting this long on PostgreSQL with nothing taken fails the attempt (retried). */
  PG_STALL_TIMEOUT_MS: int(100, 60_000),
  /** What a workbook's shared-strings table, held in memory while its sheet is read, may take (DESIGN §5.7). */
  MAX_SHARED_STRINGS_BYTES: int(1, 128 * 1024 * 1024),
});

const Redis = z.object({
  REDIS_URL: z.string().url(),
  QUEUE_PREFIX: nonEmpty('{csv-import}'),
  UPSTASH_REDIS_REST_URL: optionalString.pipe(z.string().url().optional()),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  STATUS_TTL_SECONDS: int(1, 604800),
  /** Lets two deployments share one Upstash database (DESIGN §3). */
  STATUS_KEY_PREFIX: optionalString.transform((v) => v ?? DEFAULT_STATUS_KEY_PREFIX),
});

const Jobs = z.object({
  JOB_ATTEMPTS: int(1, 5),
  JOB_BACKOFF_MS: int(0, 5_000),
});

/**
 * A callback prefix is an http(s) URL with a path, so that `https://app.example.com/` cannot be
 * written `https://app.example.com` and let `https://app.example.com.evil.test/` through.
 */
const callbackPrefix = z
  .string()
  .refine((prefix) => {
    // `:*/` (any port, see callback-url.ts) is checked as one port would be.
    const p = prefix.replace(':*/', ':1/');
    return URL.canParse(p) && /^https?:$/.test(new URL(p).protocol) && p.startsWith(`${new URL(p).origin}/`);
  }, {
    message: 'each prefix must be an http(s) URL with a path, such as https://app.example.com/ (ending the host with "/"); its port may be * (any port)',
  });

/**
 * Completion callbacks through QStash (DESIGN §13). No token, or no URL for a job: no callback.
 * No prefixes: the api refuses every `callbackUrl` (the safe default; `CALLBACK_URL`, set by the
 * operator, still applies).
 */
const Callbacks = z.object({
  QSTASH_TOKEN: optionalString,
  QSTASH_URL: nonEmpty('https://qstash.upstash.io').pipe(z.url({ protocol: /^https?$/ })),
  CALLBACK_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  CALLBACK_URL_PREFIXES: optionalString.transform((v) =>
    (v ?? '').split(',').map((p) => p.trim()).filter(Boolean),
  ).pipe(z.array(callbackPrefix)),
});

const Storage = z.object({
  R2_ACCOUNT_ID: optionalString,
  S3_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  R2_ACCESS_KEY_ID: z.string().min(1),
  R2_SECRET_ACCESS_KEY: z.string().min(1),
  R2_BUCKET_NAME: z.string().min(1),
  STORAGE_IDLE_TIMEOUT_MS: int(100, 30_000),
});

/**
 * Runs a check across settings whenever the settings it reads parsed. Zod skips refinements once
 * any field failed, which hid these problems until every other one was fixed (DESIGN §9: every
 * problem at once).
 */
const whenParsed = (...fields: string[]) => ({
  when: (payload: z.core.ParsePayload) => !payload.issues.some((i) => fields.includes(String(i.path?.[0]))),
});

const requireEndpoint = (c: { R2_ACCOUNT_ID?: string; S3_ENDPOINT?: string }) =>
  Boolean(c.R2_ACCOUNT_ID || c.S3_ENDPOINT);
const endpointIssue = {
  message: 'set R2_ACCOUNT_ID or S3_ENDPOINT',
  path: ['R2_ACCOUNT_ID'],
  ...whenParsed('R2_ACCOUNT_ID', 'S3_ENDPOINT'),
};
const upstashPair = (c: { UPSTASH_REDIS_REST_URL?: string; UPSTASH_REDIS_REST_TOKEN?: string }) =>
  Boolean(c.UPSTASH_REDIS_REST_URL) === Boolean(c.UPSTASH_REDIS_REST_TOKEN);
const upstashIssue = {
  message: 'set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither',
  path: ['UPSTASH_REDIS_REST_TOKEN'],
  ...whenParsed('UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'),
};

const Api = Base.extend(Redis.shape)
  .extend({
    PORT: int(0, 3000),
    PUBLIC_URL: optionalString.pipe(z.string().url().optional()),
    QSTASH_CURRENT_SIGNING_KEY: z.string().min(1),
    QSTASH_NEXT_SIGNING_KEY: z.string().min(1),
    QSTASH_CLOCK_TOLERANCE_SECONDS: int(0, 5),
    BULL_BOARD_USERNAME: optionalString,
    BULL_BOARD_PASSWORD: optionalString,
    BULL_BOARD_READ_ONLY: bool(false),
    /** `/metrics` is served only when set, to requests bearing it (DESIGN §8, §14). */
    METRICS_TOKEN: metricsToken,
  })
  .extend(Jobs.shape)
  .extend(Callbacks.shape)
  .refine(upstashPair, upstashIssue)
  .refine((c) => Boolean(c.BULL_BOARD_USERNAME) === Boolean(c.BULL_BOARD_PASSWORD), {
    message: 'set both BULL_BOARD_USERNAME and BULL_BOARD_PASSWORD, or neither',
    path: ['BULL_BOARD_PASSWORD'],
    ...whenParsed('BULL_BOARD_USERNAME', 'BULL_BOARD_PASSWORD'),
  })
  // Without it a token QStash signed for any other URL of the same account is accepted (DESIGN §8).
  .refine((c) => c.NODE_ENV !== 'production' || Boolean(c.PUBLIC_URL), {
    message: 'required when NODE_ENV=production: the public base URL QStash calls, which every signature must name',
    path: ['PUBLIC_URL'],
    ...whenParsed('NODE_ENV', 'PUBLIC_URL'),
  });

const Worker = Base.extend(Redis.shape)
  .extend(Storage.shape)
  .extend(Limits.shape)
  .extend({
    WORKER_CONCURRENCY: int(1, 2),
    LOCK_DURATION_MS: int(1000, 30_000),
    STALLED_INTERVAL_MS: int(1000, 30_000),
    MAX_STALLED_COUNT: int(2, 2),
    PROGRESS_REPORT_INTERVAL: int(1, 1000),
    SHUTDOWN_TIMEOUT_MS: int(0, 20_000),
    DELETE_R2_AFTER_IMPORT: bool(false),
    PG_POOL_MAX: int(1, 10),
    /** The port of this worker's own `/metrics`; none when unset (0: any free port). */
    METRICS_PORT: optionalInt(0),
    METRICS_TOKEN: metricsToken,
    /** Where rejected-rows reports go (DESIGN §5.4). Here, unlike elsewhere, empty is a value: reports off. */
    REJECTED_ROWS_PREFIX: z.string().default('rejected/'),
  })
  .extend(Jobs.shape)
  .extend(Callbacks.shape)
  .refine(requireEndpoint, endpointIssue)
  .refine(upstashPair, upstashIssue)
  // Each import holds one connection for its transaction, and the path that finds a duplicate
  // job needs one more beside them.
  .refine((c) => c.PG_POOL_MAX >= c.WORKER_CONCURRENCY + 1, {
    message: 'must be at least WORKER_CONCURRENCY + 1 (one connection per running import, and one more)',
    path: ['PG_POOL_MAX'],
    ...whenParsed('PG_POOL_MAX', 'WORKER_CONCURRENCY'),
  });

/**
 * `npm run dev` (scripts/dev.ts): the local database and Redis by default, and the ports of the
 * api and the stand-ins. A service the environment (or .env) names is used instead of its
 * stand-in: S3 when S3_ENDPOINT or R2_ACCOUNT_ID is set, QStash with QSTASH_TOKEN, Upstash with
 * UPSTASH_REDIS_REST_URL.
 */
const Dev = z.object({
  DATABASE_URL: nonEmpty('postgres://postgres@127.0.0.1:5432/csv_import_dev').pipe(z.string().url()),
  REDIS_URL: nonEmpty('redis://127.0.0.1:6379').pipe(z.string().url()),
  /** The api's port; the S3, QStash and Upstash stand-ins take the next three. 0: free ports. */
  DEV_PORT: int(0, 3100),
  /** Where the app's settings are written (dotenv). */
  DEV_APP_ENV_FILE: nonEmpty('.dev/app.env'),
  PUBLIC_URL: optionalString.pipe(z.string().url().optional()),
  R2_ACCOUNT_ID: optionalString,
  S3_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  R2_ACCESS_KEY_ID: optionalString,
  R2_SECRET_ACCESS_KEY: optionalString,
  R2_BUCKET_NAME: optionalString,
  QSTASH_TOKEN: optionalString,
  QSTASH_URL: nonEmpty('https://qstash.upstash.io').pipe(z.url({ protocol: /^https?$/ })),
  QSTASH_CURRENT_SIGNING_KEY: optionalString,
  QSTASH_NEXT_SIGNING_KEY: optionalString,
  UPSTASH_REDIS_REST_URL: optionalString.pipe(z.string().url().optional()),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  STATUS_KEY_PREFIX: optionalString.transform((v) => v ?? DEFAULT_STATUS_KEY_PREFIX),
  /** A developer's app may take its callbacks on any local port. */
  CALLBACK_URL_PREFIXES: nonEmpty('http://127.0.0.1:*/,http://localhost:*/'),
  /** Ctrl-C stops everything within 10 s: a running import gets 3 s, then rolls back. */
  SHUTDOWN_TIMEOUT_MS: nonEmpty('3000'),
});

const Migrate = Base;
const ImportFile = Base.extend(Limits.shape);

export type ApiConfig = z.infer<typeof Api>;
export type WorkerConfig = z.infer<typeof Worker>;
export type MigrateConfig = z.infer<typeof Migrate>;
export type ImportFileConfig = z.infer<typeof ImportFile>;
export type DevConfig = z.infer<typeof Dev>;
export type ImportLimits = z.infer<typeof Limits>;
/** The limits when nothing is configured: what tests and the bench import with. */
export const DEFAULT_IMPORT_LIMITS: ImportLimits = Limits.parse({});
export type StorageConfig = z.infer<typeof Storage>;

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every problem, by variable name and message; values are never echoed (they may be secrets). */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message.replace(/, received .*/, '')}`),
  );
}

export const loadApiConfig = (env: Env = process.env): ApiConfig => parseConfig(Api, env);
export const loadWorkerConfig = (env: Env = process.env): WorkerConfig => parseConfig(Worker, env);
export const loadMigrateConfig = (env: Env = process.env): MigrateConfig => parseConfig(Migrate, env);
export const loadImportFileConfig = (env: Env = process.env): ImportFileConfig =>
  parseConfig(ImportFile, env);
/** The dev settings, and the whole environment for the processes `npm run dev` starts to inherit. */
export const loadDevConfig = (env: Env = process.env): { config: DevConfig; inherited: Env } => ({
  config: parseConfig(Dev, env),
  inherited: { ...env },
});

/** For process entries: print every problem and exit 1, instead of a stack trace. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
