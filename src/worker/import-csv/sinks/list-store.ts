import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { ImportResult } from '../../../shared/contract.js';
import type { Db } from '../../../shared/db/client.js';
import { listColumns, lists } from '../../../shared/db/schema.js';

/**
 * The result of an import that an earlier attempt (or another worker) already committed: the
 * result it reported then, now marked `alreadyImported`.
 */
export async function findImportedList(db: Db, jobId: string): Promise<ImportResult | undefined> {
  const [list] = await db.select().from(lists).where(eq(lists.jobId, jobId));
  if (!list) return undefined;
  if (list.result) return { ...list.result, listId: list.id, alreadyImported: true };
  // A list committed before results were stored: what its rows still say.
  const columns = await db
    .select({ key: listColumns.key, name: listColumns.name, type: listColumns.type, format: listColumns.format })
    .from(listColumns)
    .where(eq(listColumns.listId, list.id))
    .orderBy(listColumns.position);
  return {
    listId: list.id,
    rows: list.rowCount,
    columns: columns.map(({ format, ...c }) => (format ? { ...c, format } : c)),
    skippedRows: list.skippedRows,
    alreadyImported: true,
    nulCharactersRemoved: 0,
  };
}

export interface NewList {
  jobId: string;
  name: string;
  ownerId?: string;
  metadata?: Record<string, unknown>;
  sourceKey: string;
  sourceBytes: number;
  fileName?: string;
}

/** Inserts the list inside the caller's transaction; undefined when the job id already has one. */
export async function insertList(client: pg.PoolClient, list: NewList): Promise<string | undefined> {
  const [row] = await drizzle(client)
    .insert(lists)
    .values(list)
    .onConflictDoNothing({ target: lists.jobId })
    .returning({ id: lists.id });
  return row?.id;
}

/** Writes the column definitions, the counts and the result onto the list, in the caller's transaction. */
export async function finishList(client: pg.PoolClient, listId: string, result: ImportResult): Promise<void> {
  const db = drizzle(client);
  const { columns } = result;
  // One INSERT per 1,000 columns keeps each statement under PostgreSQL's 65,535 parameters.
  for (let i = 0; i < columns.length; i += 1000) {
    await db.insert(listColumns).values(
      columns.slice(i, i + 1000).map((c, j) => ({ listId, position: i + j + 1, key: c.key, name: c.name, type: c.type, format: c.format ?? null })),
    );
  }
  await db
    .update(lists)
    .set({ rowCount: result.rows, columnCount: columns.length, skippedRows: result.skippedRows, result })
    .where(eq(lists.id, listId));
}
