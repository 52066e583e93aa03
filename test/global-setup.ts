import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../src/shared/db/migrate.js';
import { TEST_PG_URL, TEST_REDIS_URL, databaseUrl } from './helpers/env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

/**
 * Checks the services answer, then builds a migrated template database for this run (its own
 * name, so runs side by side don't drop each other's) that each test file clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await redis.connect().catch((err: Error) => {
    throw new Error(`Redis is not reachable at ${TEST_REDIS_URL} (${err.message}); start it or set TEST_REDIS_URL`);
  });
  redis.disconnect();
  const template = `csv_import_template_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${template}`).catch((err: Error) => {
    throw new Error(`PostgreSQL is not usable at ${TEST_PG_URL} (${err.message}); start it or set TEST_DATABASE_URL`);
  });
  await runMigrations(databaseUrl(template));
  project.provide('templateDb', template);
  return () => admin(`drop database if exists ${template} with (force)`);
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
