import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/shared/db/migrate.js';
import { databaseUrl } from '../helpers/env.js';
import { adminQuery } from '../helpers/test-db.js';

const name = `csv_import_migrate_${randomBytes(4).toString('hex')}`;
const journal = JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };

afterAll(() => adminQuery(`drop database if exists ${name} with (force)`));

describe('migrations', () => {
  it('are safe to run from several processes at once (the advisory lock serialises them)', async () => {
    await adminQuery(`create database ${name}`);
    const url = databaseUrl(name);
    await Promise.all(Array.from({ length: 4 }, () => runMigrations(url)));

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows: tables } = await client.query(
        "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
      );
      expect(tables.map((t) => t.table_name)).toEqual(['list_columns', 'list_rows', 'lists']);
      const { rows: applied } = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      // Each migration once, however many processes ran them.
      expect(applied[0].n).toBe(journal.entries.length);
    } finally {
      await client.end();
    }
  });
});
