import type pg from 'pg';
import { withStatementTimeout } from './sinks/statement-timeout.js';

/**
 * Which row first had each value of the unique columns (DESIGN §5.8), counted by PostgreSQL in a
 * temporary table on a connection of its own, so memory stays flat whatever the row count; the
 * list's own connection is busy with COPY, and a dry run has none. Values are compared by their
 * SHA-256 (an index entry holds a hash of any length of value). One round trip per batch of rows.
 */
export interface UniqueValues {
  /**
   * For each row in order, the first earlier row that had one of its values, or undefined; a row
   * without a repeat has its values registered. `rows[i]` lists the row's (column, key) pairs.
   */
  firstRows(rows: readonly { row: number; keys: readonly [number, string][] }[]): Promise<({ column: number; firstRow: number } | undefined)[]>;
  close(): Promise<void>;
}

/** Opens the connection and its table only when the first batch comes: most imports have no unique column. */
export function uniqueValues(pool: pg.Pool, stallMs: number): UniqueValues {
  let client: Promise<pg.PoolClient> | undefined;
  const statement = <T>(run: Promise<T>) => withStatementTimeout(run, stallMs);
  const open = async () => {
    const c = await pool.connect();
    try {
      await statement(c.query('BEGIN'));
      await statement(c.query('CREATE TEMPORARY TABLE unique_values (col int, hash bytea, row_number int, PRIMARY KEY (col, hash)) ON COMMIT DROP'));
      // A temporary table has no statistics: the planner hashed the whole table for every batch
      // (quadratic in the rows). Each batch's lookups go through the primary key instead.
      await statement(c.query('SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_seqscan = off'));
    } catch (err) {
      c.release(err as Error);
      throw err;
    }
    return c;
  };
  return {
    async firstRows(rows) {
      const c = await (client ??= open());
      const cols: number[] = [];
      const values: string[] = [];
      for (const r of rows) for (const [col, key] of r.keys) cols.push(col), values.push(key);
      const earlier = new Map<string, number>();
      if (cols.length) {
        const found = await statement(c.query<{ col: number; value: string; row_number: number }>(
          `SELECT i.col, i.value, u.row_number FROM unnest($1::int[], $2::text[]) AS i(col, value)
           JOIN unique_values u ON u.col = i.col AND u.hash = sha256(convert_to(i.value, 'UTF8'))`,
          [cols, values],
        ));
        for (const f of found.rows) earlier.set(`${f.col}\0${f.value}`, f.row_number);
      }
      const added: [number, string, number][] = [];
      const answers = rows.map((r) => {
        for (const [col, key] of r.keys) {
          const first = earlier.get(`${col}\0${key}`);
          if (first !== undefined) return { column: col, firstRow: first };
        }
        for (const [col, key] of r.keys) {
          earlier.set(`${col}\0${key}`, r.row);
          added.push([col, key, r.row]);
        }
        return undefined;
      });
      if (added.length) {
        await statement(c.query(
          `INSERT INTO unique_values SELECT col, sha256(convert_to(value, 'UTF8')), row_number
           FROM unnest($1::int[], $2::text[], $3::int[]) AS i(col, value, row_number) ON CONFLICT DO NOTHING`,
          [added.map((a) => a[0]), added.map((a) => a[1]), added.map((a) => a[2])],
        ));
      }
      return answers;
    },
    async close() {
      if (!client) return;
      const c = await client.catch(() => undefined);
      if (!c) return;
      // ROLLBACK drops the table; a connection that does not answer is not pooled again.
      await statement(c.query('ROLLBACK')).then(() => c.release(), (err: Error) => c.release(err));
    },
  };
}
