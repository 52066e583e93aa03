import type { ColumnType } from '../../../../src/shared/contract.js';
import { createdPool, type ClosablePool } from './created-pool.js';

/** What the reader needs of a pool: a `pg.Pool` (or a client) is one. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

export type ListReaderOptions = { pool: Queryable } | { connectionString: string };

export interface ListColumn {
  key: string;
  name: string;
  type: ColumnType;
  /** How the file spelled the column's values (decimal and group characters, a date pattern); null for string and json. */
  format: Record<string, unknown> | null;
}

export interface ListInfo {
  id: string;
  jobId: string;
  name: string;
  /** The user's file name (`source.fileName`), when the app gave it. */
  fileName: string | null;
  ownerId: string | null;
  metadata: Record<string, unknown> | null;
  rowCount: number;
  createdAt: Date;
  /** In the file's order. */
  columns: ListColumn[];
}

export interface ListRow {
  /** The data row's position in the file, from 1 (header, preamble and blank lines not counted). */
  rowNumber: number;
  /** The row's values keyed by column key. */
  data: Record<string, unknown>;
}

export interface ListRowsOptions {
  /** Rows after this row number; default 0 (from the first row). */
  afterRow?: number;
  /** At most this many rows, 1 to 1,000; default 100. */
  limit?: number;
}

export interface ListRowsPage {
  rows: ListRow[];
  /** Pass as `afterRow` for the next page; null when this page holds the last row. */
  nextAfterRow: number | null;
}

export interface ListReader {
  /** The list and its columns, or null when there is no such list. */
  getList(listId: string): Promise<ListInfo | null>;
  /** The list the import `jobId` wrote, or null (not imported, a dry run, or deleted). */
  getListByJobId(jobId: string): Promise<ListInfo | null>;
  /** One page of rows in row order, after `afterRow` (keyset pagination: each page costs the same). */
  listRows(listId: string, options?: ListRowsOptions): Promise<ListRowsPage>;
  /** Deletes the list with its columns and rows; false when there was no such list. */
  deleteList(listId: string): Promise<boolean>;
  /** Ends the pool the reader made from a connection string; a pool the app passed stays the app's to end. */
  close(): Promise<void>;
}

export const MAX_PAGE_SIZE = 1_000;
const DEFAULT_PAGE_SIZE = 100;
// A list id is a uuid: anything else is no list, rather than PostgreSQL's "invalid input syntax".
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SELECT_LIST = `
  select l.id, l.job_id, l.name, l.file_name, l.owner_id, l.metadata, l.row_count, l.created_at,
         coalesce((select json_agg(json_build_object('key', c.key, 'name', c.name, 'type', c.type, 'format', c.format) order by c.position)
                     from list_columns c where c.list_id = l.id), '[]'::json) as columns
    from lists l`;

/** Reads the lists the service wrote (DESIGN §13), from the app's pool or one made from a connection string. */
export function createListReader(options: ListReaderOptions): ListReader {
  const pool: ClosablePool = 'pool' in options ? { query: (t, v) => options.pool.query(t, v), end: async () => {} } : createdPool(options.connectionString);

  async function oneList(where: string, value: string): Promise<ListInfo | null> {
    const { rows } = await pool.query(`${SELECT_LIST} where ${where} = $1`, [value]);
    return rows[0] ? toListInfo(rows[0]) : null;
  }

  return {
    getList: async (listId) => (UUID.test(listId) ? oneList('l.id', listId) : null),
    getListByJobId: (jobId) => oneList('l.job_id', jobId),
    async listRows(listId, { afterRow = 0, limit = DEFAULT_PAGE_SIZE } = {}) {
      checkPage(afterRow, limit);
      if (!UUID.test(listId)) return { rows: [], nextAfterRow: null };
      // One row more than asked tells whether another page follows, without an empty last page.
      const { rows } = await pool.query(
        'select row_number, data from list_rows where list_id = $1 and row_number > $2 order by row_number limit $3',
        [listId, afterRow, limit + 1],
      );
      const page = rows.slice(0, limit).map((r): ListRow => ({ rowNumber: r.row_number, data: r.data }));
      return { rows: page, nextAfterRow: rows.length > limit ? page[page.length - 1]!.rowNumber : null };
    },
    async deleteList(listId) {
      if (!UUID.test(listId)) return false;
      const { rowCount } = await pool.query('delete from lists where id = $1', [listId]);
      return rowCount === 1;
    },
    close: () => pool.end(),
  };
}

function checkPage(afterRow: number, limit: number): void {
  if (!Number.isSafeInteger(afterRow) || afterRow < 0) throw new RangeError(`afterRow must be a whole number ≥ 0, not ${afterRow}`);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, not ${limit}`);
  }
}

function toListInfo(row: Record<string, any>): ListInfo {
  return {
    id: row.id,
    jobId: row.job_id,
    name: row.name,
    fileName: row.file_name,
    ownerId: row.owner_id,
    metadata: row.metadata,
    rowCount: row.row_count,
    // pg gives a Date; an app's pool may have its own parser for timestamptz and give text.
    createdAt: new Date(row.created_at),
    columns: row.columns,
  };
}
