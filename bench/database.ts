import pg from 'pg';
import { runMigrations } from '../src/shared/db/migrate.js';
import { BENCH_PG_URL, databaseUrl } from './env.js';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database per run, migrated by the same code the release step runs, so no variant
 * inherits another's table bloat, cache or index pages.
 */
export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  await adminQuery(`drop database if exists ${name} with (force)`);
  await adminQuery(`create database ${name}`);
  const url = databaseUrl(name);
  await runMigrations(url);
  // Flushes what creating and migrating dirtied (and the previous run's writes), so the checkpoint
  // those would cause does not land inside the next timed import.
  await adminQuery('checkpoint');
  return {
    name,
    url,
    drop: async () => {
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

export const adminQuery = <T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
  adminQueryOn<T>(BENCH_PG_URL, sql, params);

/** One statement on its own short-lived connection (never inside a timed run). */
export async function adminQueryOn<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'csv-import-bench' });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
