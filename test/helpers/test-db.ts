import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type DbHandle } from '../../src/shared/db/client.js';
import { createLogger } from '../../src/shared/logger.js';
import { TEST_PG_URL, databaseUrl } from './env.js';

export interface TestDatabase extends DbHandle {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export const silentLogger = createLogger({ LOG_LEVEL: 'silent' }, 'worker');

/** A fresh database cloned from the migrated template: isolation by naming, not by cleanup. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `csv_import_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name} template ${inject('templateDb')}`);
  const url = databaseUrl(name);
  const handle = createDb({ DATABASE_URL: url, PG_POOL_MAX: 10 }, silentLogger);
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Runs one statement as the admin user (creating and dropping databases). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    // CREATE DATABASE … TEMPLATE fails while another session is copying the same template.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(sql);
        return;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await client.end();
  }
}
