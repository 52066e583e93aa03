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

  it('wants both Upstash settings or neither', () => {
    expect(problemsOf(() => loadWorkerConfig({ ...workerEnv, UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' }))).toEqual([
      expect.stringMatching(/UPSTASH_REDIS_REST_TOKEN/),
    ]);
  });
});
