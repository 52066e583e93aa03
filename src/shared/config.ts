import { z } from 'zod';
import { DEFAULT_STATUS_KEY_PREFIX } from './contract.js';

/**
 * The only module that reads process.env. Each process parses the part it needs, once, in its
 * main.ts, and passes the result down.
 */

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const int = (min: number) => z.coerce.number().int().min(min);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const Base = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  DATABASE_URL: z.string().url(),
});

const Limits = z.object({
  MAX_FILE_SIZE: int(1).default(200 * 1024 * 1024),
  MAX_COLUMNS: int(1).default(1000),
  MAX_RECORD_BYTES: int(1024).default(1024 * 1024),
  MAX_ROWS: int(1).optional(),
  /** An import waiting this long on PostgreSQL with nothing taken fails the attempt (retried). */
  PG_STALL_TIMEOUT_MS: int(100).default(60_000),
});

const Redis = z.object({
  REDIS_URL: z.string().url(),
  QUEUE_PREFIX: z.string().min(1).default('{csv-import}'),
  UPSTASH_REDIS_REST_URL: optionalString.pipe(z.string().url().optional()),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  STATUS_TTL_SECONDS: int(1).default(604800),
  /** Lets two deployments share one Upstash database (DESIGN §3). */
  STATUS_KEY_PREFIX: optionalString.transform((v) => v ?? DEFAULT_STATUS_KEY_PREFIX),
});

const Jobs = z.object({
  JOB_ATTEMPTS: int(1).default(5),
  JOB_BACKOFF_MS: int(0).default(5_000),
});

const Storage = z.object({
  R2_ACCOUNT_ID: optionalString,
  S3_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  R2_ACCESS_KEY_ID: z.string().min(1),
  R2_SECRET_ACCESS_KEY: z.string().min(1),
  R2_BUCKET_NAME: z.string().min(1),
  STORAGE_IDLE_TIMEOUT_MS: int(100).default(30_000),
});

const requireEndpoint = (c: { R2_ACCOUNT_ID?: string; S3_ENDPOINT?: string }) =>
  Boolean(c.R2_ACCOUNT_ID || c.S3_ENDPOINT);
const endpointIssue = { message: 'set R2_ACCOUNT_ID or S3_ENDPOINT', path: ['R2_ACCOUNT_ID'] };
const upstashPair = (c: { UPSTASH_REDIS_REST_URL?: string; UPSTASH_REDIS_REST_TOKEN?: string }) =>
  Boolean(c.UPSTASH_REDIS_REST_URL) === Boolean(c.UPSTASH_REDIS_REST_TOKEN);
const upstashIssue = {
  message: 'set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither',
  path: ['UPSTASH_REDIS_REST_TOKEN'],
};

const Api = Base.extend(Redis.shape)
  .extend({
    PORT: int(0).default(3000),
    PUBLIC_URL: optionalString.pipe(z.string().url().optional()),
    QSTASH_CURRENT_SIGNING_KEY: z.string().min(1),
    QSTASH_NEXT_SIGNING_KEY: z.string().min(1),
    QSTASH_CLOCK_TOLERANCE_SECONDS: int(0).default(5),
    BULL_BOARD_USERNAME: optionalString,
    BULL_BOARD_PASSWORD: optionalString,
    BULL_BOARD_READ_ONLY: bool.default(false),
  })
  .extend(Jobs.shape)
  .refine(upstashPair, upstashIssue)
  .refine((c) => Boolean(c.BULL_BOARD_USERNAME) === Boolean(c.BULL_BOARD_PASSWORD), {
    message: 'set both BULL_BOARD_USERNAME and BULL_BOARD_PASSWORD, or neither',
    path: ['BULL_BOARD_PASSWORD'],
  });

const Worker = Base.extend(Redis.shape)
  .extend(Storage.shape)
  .extend(Limits.shape)
  .extend({
    WORKER_CONCURRENCY: int(1).default(2),
    LOCK_DURATION_MS: int(1000).default(30_000),
    STALLED_INTERVAL_MS: int(1000).default(30_000),
    MAX_STALLED_COUNT: int(2).default(2),
    PROGRESS_REPORT_INTERVAL: int(1).default(1000),
    SHUTDOWN_TIMEOUT_MS: int(0).default(20_000),
    DELETE_R2_AFTER_IMPORT: bool.default(false),
    PG_POOL_MAX: int(1).default(10),
  })
  .extend(Jobs.shape)
  .refine(requireEndpoint, endpointIssue)
  .refine(upstashPair, upstashIssue);

const Migrate = Base;
const ImportFile = Base.extend(Limits.shape);

export type ApiConfig = z.infer<typeof Api>;
export type WorkerConfig = z.infer<typeof Worker>;
export type MigrateConfig = z.infer<typeof Migrate>;
export type ImportFileConfig = z.infer<typeof ImportFile>;
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
