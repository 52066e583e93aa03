import type pg from 'pg';

export interface StoredColumn {
  position: number;
  key: string;
  name: string;
  type: string;
}

export interface StoredRow {
  rowNumber: number;
  /** The jsonb as node-postgres parses it. */
  data: Record<string, unknown>;
  /** Each value as PostgreSQL prints it: strings as they are, json values as jsonb text. */
  text: Record<string, string>;
}

/** A result's listId; a dry run's result has none, and a test that reads its list is wrong. */
export function listIdOf(listId: string | undefined): string {
  if (listId === undefined) throw new Error('the result names no list (a dry run writes none)');
  return listId;
}

export async function readColumns(pool: pg.Pool, listId: string | undefined): Promise<StoredColumn[]> {
  const { rows } = await pool.query<StoredColumn>(
    'select position, key, name, type from list_columns where list_id = $1 order by position',
    [listIdOf(listId)],
  );
  return rows;
}

/** Rows in row_number order; only the given row numbers when `only` is set. */
export async function readRows(pool: pg.Pool, listId: string | undefined, only?: number[]): Promise<StoredRow[]> {
  const { rows } = await pool.query<{ row_number: number; data: Record<string, unknown>; text: Record<string, string> | null }>(
    `select row_number, data,
            (select jsonb_object_agg(k, v #>> '{}') from jsonb_each(data) as e(k, v)) as text
       from list_rows
      where list_id = $1 and ($2::int[] is null or row_number = any($2))
      order by row_number`,
    [listIdOf(listId), only ?? null],
  );
  return rows.map((r) => ({ rowNumber: r.row_number, data: r.data, text: r.text ?? {} }));
}

export async function countRows(pool: pg.Pool, listId: string | undefined): Promise<{ count: number; min: number | null; max: number | null }> {
  const { rows } = await pool.query<{ count: number; min: number | null; max: number | null }>(
    'select count(*)::int as count, min(row_number) as min, max(row_number) as max from list_rows where list_id = $1',
    [listIdOf(listId)],
  );
  return rows[0]!;
}

export async function readList(pool: pg.Pool, jobId: string) {
  const { rows } = await pool.query<{ id: string; row_count: number; column_count: number; skipped_rows: number }>(
    'select id, row_count, column_count, skipped_rows from lists where job_id = $1',
    [jobId],
  );
  return rows[0];
}

/** Everything stored in the database, to prove a failed import left nothing behind. */
export async function countAll(pool: pg.Pool): Promise<{ lists: number; columns: number; rows: number }> {
  const { rows } = await pool.query<{ lists: number; columns: number; rows: number }>(
    `select (select count(*)::int from lists) as lists,
            (select count(*)::int from list_columns) as columns,
            (select count(*)::int from list_rows) as rows`,
  );
  return rows[0]!;
}

/** How many rows of the list are not objects with exactly these keys. */
export async function countRowsWithOtherKeys(pool: pg.Pool, listId: string | undefined, keys: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from list_rows
      where list_id = $1
        and not (data ?& $2::text[] and (select count(*) from jsonb_object_keys(data)) = cardinality($2::text[]))`,
    [listIdOf(listId), keys],
  );
  return rows[0]!.n;
}
