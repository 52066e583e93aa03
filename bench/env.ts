import { fileURLToPath } from 'node:url';

/** Where the bench finds its services; the same defaults as the test suite's. */
export const BENCH_PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_TMP = fileURLToPath(new URL('./tmp/', import.meta.url));
export const BENCH_RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

export function databaseUrl(name: string): string {
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The environment for a child process: ours, minus anything that would change how Node loads
 * code (a test runner's NODE_OPTIONS, for one); the caller adds what the child needs.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name.startsWith('TSX_')) delete env[name];
  return { ...env, ...extra };
}
