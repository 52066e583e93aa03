import { describe, expect, it } from 'vitest';
import { ConfigError, loadApiConfig, loadWorkerConfig } from '../../src/shared/config.js';

const workerEnv = {
  DATABASE_URL: 'postgres://u:db-password-123@db.internal:5432/app',
  REDIS_URL: 'redis://127.0.0.1:6379',
  R2_ACCOUNT_ID: 'acct',
  R2_ACCESS_KEY_ID: 'AKIA',
  R2_SECRET_ACCESS_KEY: 'r2-secret-value',
  R2_BUCKET_NAME: 'uploads',
};

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadWorkerConfig(workerEnv);
    expect(config).toMatchObject({
      WORKER_CONCURRENCY: 2, JOB_ATTEMPTS: 5, MAX_FILE_SIZE: 200 * 1024 * 1024, PROGRESS_REPORT_INTERVAL: 1000,
      SHUTDOWN_TIMEOUT_MS: 20_000, STATUS_TTL_SECONDS: 604_800, DELETE_R2_AFTER_IMPORT: false, MAX_STALLED_COUNT: 2,
    });
  });

  it('reads STATUS_KEY_PREFIX for the api and the worker, csv-import:job: when unset or empty', () => {
    const apiEnv = { DATABASE_URL: workerEnv.DATABASE_URL, REDIS_URL: workerEnv.REDIS_URL, QSTASH_CURRENT_SIGNING_KEY: 'k', QSTASH_NEXT_SIGNING_KEY: 'k' };
    expect(loadWorkerConfig(workerEnv).STATUS_KEY_PREFIX).toBe('csv-import:job:');
    expect(loadWorkerConfig({ ...workerEnv, STATUS_KEY_PREFIX: '' }).STATUS_KEY_PREFIX).toBe('csv-import:job:');
    expect(loadWorkerConfig({ ...workerEnv, STATUS_KEY_PREFIX: 'staging:job:' }).STATUS_KEY_PREFIX).toBe('staging:job:');
    expect(loadApiConfig({ ...apiEnv, STATUS_KEY_PREFIX: 'staging:job:' }).STATUS_KEY_PREFIX).toBe('staging:job:');
  });

  it('takes METRICS_PORT and METRICS_TOKEN, an empty one as unset, and refuses a short token', () => {
    expect(loadWorkerConfig({ ...workerEnv, METRICS_PORT: '9464', METRICS_TOKEN: 'a-token-of-16-chars' })).toMatchObject({
      METRICS_PORT: 9464, METRICS_TOKEN: 'a-token-of-16-chars',
    });
    const unset = loadWorkerConfig({ ...workerEnv, METRICS_PORT: '', METRICS_TOKEN: '' });
    expect([unset.METRICS_PORT, unset.METRICS_TOKEN]).toEqual([undefined, undefined]);
    expect(problemsOf(() => loadWorkerConfig({ ...workerEnv, METRICS_TOKEN: 'short' }))).toEqual(['METRICS_TOKEN: must be at least 16 characters']);
  });

  it('parses booleans strictly: "false" is false', () => {
    expect(loadWorkerConfig({ ...workerEnv, DELETE_R2_AFTER_IMPORT: 'false' }).DELETE_R2_AFTER_IMPORT).toBe(false);
    expect(loadWorkerConfig({ ...workerEnv, DELETE_R2_AFTER_IMPORT: 'true' }).DELETE_R2_AFTER_IMPORT).toBe(true);
    expect(problemsOf(() => loadWorkerConfig({ ...workerEnv, DELETE_R2_AFTER_IMPORT: 'yes' }))[0]).toMatch(/^DELETE_R2_AFTER_IMPORT:/);
  });

  it('reports every problem at once, by name', () => {
    const problems = problemsOf(() => loadWorkerConfig({ R2_ACCOUNT_ID: 'acct', WORKER_CONCURRENCY: 'many' }));
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY', 'R2_BUCKET_NAME', 'WORKER_CONCURRENCY']),
    );
  });

  it('never echoes a value, which may be a secret', () => {
    const problems = problemsOf(() =>
      loadApiConfig({ DATABASE_URL: 'not a url but a secret-ish value', REDIS_URL: 'redis://x', QSTASH_CURRENT_SIGNING_KEY: 'k', QSTASH_NEXT_SIGNING_KEY: 'k', PORT: 'sekret-port' }),
    );
    expect(problems.join('\n')).not.toMatch(/secret/);
  });

  it('needs an R2 account id or an S3 endpoint', () => {
    const { R2_ACCOUNT_ID: _omit, ...rest } = workerEnv;
    expect(problemsOf(() => loadWorkerConfig(rest))).toEqual([expect.stringMatching(/R2_ACCOUNT_ID or S3_ENDPOINT/)]);
    expect(loadWorkerConfig({ ...rest, S3_ENDPOINT: 'http://127.0.0.1:9000' }).S3_ENDPOINT).toBe('http://127.0.0.1:9000');
  });

  const apiEnv = {
    DATABASE_URL: 'postgres://u@db.internal:5432/app',
    REDIS_URL: 'redis://127.0.0.1:6379',
    QSTASH_CURRENT_SIGNING_KEY: 'current',
    QSTASH_NEXT_SIGNING_KEY: 'next',
  };

  it('needs PUBLIC_URL in production, where a signature for another URL must not pass', () => {
    expect(problemsOf(() => loadApiConfig({ ...apiEnv, NODE_ENV: 'production' }))).toEqual([
      expect.stringMatching(/^PUBLIC_URL: required when NODE_ENV=production/),
    ]);
    expect(problemsOf(() => loadApiConfig({ ...apiEnv, NODE_ENV: 'production', PUBLIC_URL: '' }))).toEqual([
      expect.stringMatching(/^PUBLIC_URL: required/),
    ]);
    expect(loadApiConfig({ ...apiEnv, NODE_ENV: 'production', PUBLIC_URL: 'https://imports.example.com' }).PUBLIC_URL).toBe(
      'https://imports.example.com',
    );
    expect(loadApiConfig({ ...apiEnv, NODE_ENV: 'development' }).PUBLIC_URL).toBeUndefined();
  });

  it('wants a PostgreSQL pool of at least WORKER_CONCURRENCY + 1 connections', () => {
    expect(problemsOf(() => loadWorkerConfig({ ...workerEnv, WORKER_CONCURRENCY: '4', PG_POOL_MAX: '4' }))).toEqual([
      expect.stringMatching(/^PG_POOL_MAX: must be at least WORKER_CONCURRENCY \+ 1/),
    ]);
    expect(problemsOf(() => loadWorkerConfig({ ...workerEnv, PG_POOL_MAX: '2' }))).toEqual([expect.stringMatching(/^PG_POOL_MAX:/)]);
    expect(loadWorkerConfig({ ...workerEnv, WORKER_CONCURRENCY: '4', PG_POOL_MAX: '5' }).PG_POOL_MAX).toBe(5);
  });

  it('lists the problems across settings together with the others, not after they are fixed', () => {
    const api = problemsOf(() => loadApiConfig({ ...apiEnv, NODE_ENV: 'production', PORT: 'eighty' }));
    expect(api.map((p) => p.split(':')[0]).sort()).toEqual(['PORT', 'PUBLIC_URL']);
    const { R2_BUCKET_NAME: _omit, ...noBucket } = workerEnv;
    const worker = problemsOf(() => loadWorkerConfig({ ...noBucket, PG_POOL_MAX: '1' }));
    expect(worker.map((p) => p.split(':')[0]).sort()).toEqual(['PG_POOL_MAX', 'R2_BUCKET_NAME']);
  });

  describe('an empty variable, as a platform leaves it when a value is cleared', () => {
    it('means the default: PORT="" listens on 3000, SHUTDOWN_TIMEOUT_MS="" waits 20 s', () => {
      expect(loadApiConfig({ ...apiEnv, PORT: '' }).PORT).toBe(3000);
      expect(loadWorkerConfig({ ...workerEnv, SHUTDOWN_TIMEOUT_MS: '' }).SHUTDOWN_TIMEOUT_MS).toBe(20_000);
      expect(loadWorkerConfig({ ...workerEnv, MAX_ROWS: '' }).MAX_ROWS).toBeUndefined();
      expect(loadWorkerConfig({ ...workerEnv, LOG_LEVEL: '', NODE_ENV: '', QUEUE_PREFIX: '' })).toMatchObject({
        LOG_LEVEL: 'info', NODE_ENV: 'development', QUEUE_PREFIX: '{csv-import}',
      });
    });

    // Every setting with a number or boolean default, so one added later is covered too.
    it.each([
      ['api', (env: Record<string, string>) => loadApiConfig({ ...apiEnv, ...env }) as Record<string, unknown>],
      ['worker', (env: Record<string, string>) => loadWorkerConfig({ ...workerEnv, ...env }) as Record<string, unknown>],
    ])('means the default for every number and boolean of the %s', (_process, load) => {
      const defaults = load({});
      const settings = Object.keys(defaults).filter((k) => ['number', 'boolean'].includes(typeof defaults[k]));
      expect(settings.length).toBeGreaterThan(5);
      for (const name of settings) {
        expect(load({ [name]: '' })[name], name).toBe(defaults[name]);
      }
    });
  });

  it('wants both Upstash settings or neither', () => {
    expect(problemsOf(() => loadWorkerConfig({ ...workerEnv, UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' }))).toEqual([
      expect.stringMatching(/UPSTASH_REDIS_REST_TOKEN/),
    ]);
  });

  it('reads the callback settings for the api and the worker: QStash by default, no prefix allowing anything when unset', () => {
    const apiEnv = { DATABASE_URL: workerEnv.DATABASE_URL, REDIS_URL: workerEnv.REDIS_URL, QSTASH_CURRENT_SIGNING_KEY: 'k', QSTASH_NEXT_SIGNING_KEY: 'k' };
    const unset = loadWorkerConfig({ ...workerEnv, QSTASH_URL: '', CALLBACK_URL_PREFIXES: '', CALLBACK_URL: '' });
    expect([unset.QSTASH_URL, unset.CALLBACK_URL_PREFIXES, unset.QSTASH_TOKEN, unset.CALLBACK_URL]).toEqual(['https://qstash.upstash.io', [], undefined, undefined]);
    const set = { QSTASH_TOKEN: 'qstash-token', CALLBACK_URL: 'https://app.test/imports/done', CALLBACK_URL_PREFIXES: 'https://app.test/imports/, http://127.0.0.1:8080/cb/' };
    for (const config of [loadWorkerConfig({ ...workerEnv, ...set }), loadApiConfig({ ...apiEnv, ...set })]) {
      expect(config).toMatchObject({ ...set, CALLBACK_URL_PREFIXES: ['https://app.test/imports/', 'http://127.0.0.1:8080/cb/'] });
    }
  });

  it('takes a callback prefix whose port is *, and still refuses one without a path', () => {
    expect(loadWorkerConfig({ ...workerEnv, CALLBACK_URL_PREFIXES: 'http://127.0.0.1:*/,http://localhost:*/hooks/' }).CALLBACK_URL_PREFIXES).toEqual(['http://127.0.0.1:*/', 'http://localhost:*/hooks/']);
    const problems = problemsOf(() => loadWorkerConfig({ ...workerEnv, CALLBACK_URL_PREFIXES: 'http://localhost:*' }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['CALLBACK_URL_PREFIXES.0']);
  });

  it('refuses a callback prefix without a path, which would let any host that starts alike through', () => {
    const problems = problemsOf(() => loadWorkerConfig({ ...workerEnv, CALLBACK_URL_PREFIXES: 'https://app.test/ok/,https://app.test', CALLBACK_URL: 'not a url' }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['CALLBACK_URL', 'CALLBACK_URL_PREFIXES.1']);
  });
});
