import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaNotMigratedError } from '../errors.js';
import { MIGRATIONS_FOLDER } from './migrate.js';

/** What the check needs of a pool or client. */
export interface Queryable {
  query(text: string): Promise<{ rows: Array<Record<string, unknown>> }>;
}

interface Migration {
  tag: string;
  when: number;
}

let latest: Migration | undefined;

/** The newest migration of this build, from drizzle-kit's journal (read once). */
function latestMigration(): Migration {
  if (!latest) {
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: Migration[] };
    const last = journal.entries.at(-1)!;
    latest = { tag: last.tag, when: last.when };
  }
  return latest;
}

// No such table (42P01) or schema (3F000): nothing was ever migrated.
const NEVER_MIGRATED = new Set(['42P01', '3F000']);

/**
 * Throws SchemaNotMigratedError naming the newest migration when the database has not applied
 * it. Drizzle's migrator records each applied migration with its journal time (`created_at`) and
 * applies those newer than the last one recorded, so the same comparison says what it would do.
 */
export async function assertMigrated(db: Queryable): Promise<void> {
  const { tag, when } = latestMigration();
  const applied = await db.query('select max(created_at) as latest from drizzle.__drizzle_migrations').then(
    ({ rows }) => Number(rows[0]?.latest ?? 0),
    (err: { code?: string }) => {
      if (err.code && NEVER_MIGRATED.has(err.code)) return 0;
      throw err;
    },
  );
  if (applied < when) throw new SchemaNotMigratedError(tag);
}
