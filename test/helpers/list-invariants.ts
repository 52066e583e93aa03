import type pg from 'pg';
import { expect } from 'vitest';

/**
 * The reliability invariant for one job: exactly one list, and its row_count, its number of
 * list_rows and its row numbers all say the file's rows arrived once each.
 */
export async function expectOneCompleteList(pool: pg.Pool, jobId: string, rows: number): Promise<string> {
  const { rows: lists } = await pool.query<{ id: string; row_count: number }>('select id, row_count from lists where job_id = $1', [jobId]);
  expect(lists, `lists of job ${jobId}`).toHaveLength(1);
  const list = lists[0]!;
  const { rows: counted } = await pool.query<{ count: number; distinct: number; min: number | null; max: number | null }>(
    `select count(*)::int as count, count(distinct row_number)::int as distinct, min(row_number) as min, max(row_number) as max
       from list_rows where list_id = $1`,
    [list.id],
  );
  expect({ rowCount: list.row_count, ...counted[0] }, `list of job ${jobId}`).toEqual({
    rowCount: rows, count: rows, distinct: rows, min: rows ? 1 : null, max: rows ? rows : null,
  });
  return list.id;
}

export interface ListSnapshot {
  lists: number;
  rows: number;
}

/**
 * Polls what another session can see of the job's lists while it runs. An import is one
 * transaction, so the only snapshots there may ever be are "nothing" and "everything".
 */
export function watchJobRows(pool: pg.Pool, jobId: string, everyMs = 100): { stop(): Promise<ListSnapshot[]> } {
  const seen = new Map<string, ListSnapshot>();
  let running = true;
  // A failed test can end the pool under the loop: the error is kept for stop(), never unhandled.
  const loop = (async () => {
    while (running) {
      const { rows } = await pool.query<ListSnapshot>(
        `select count(distinct l.id)::int as lists, count(r.row_number)::int as rows
           from lists l left join list_rows r on r.list_id = l.id where l.job_id = $1`,
        [jobId],
      );
      const snapshot = rows[0]!;
      seen.set(`${snapshot.lists}/${snapshot.rows}`, snapshot);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  return {
    async stop() {
      running = false;
      const err = await loop;
      if (err) throw err;
      return [...seen.values()];
    },
  };
}

export interface Backend {
  pid: number;
  state: string | null;
  query: string;
  application_name: string;
}

/** Every other session on the test database, as pg_stat_activity shows it. */
export async function backends(pool: pg.Pool, database: string): Promise<Backend[]> {
  const { rows } = await pool.query<Backend>(
    `select pid, state, query, application_name from pg_stat_activity
      where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'`,
    [database],
  );
  return rows;
}

/** Resolves with the backend pid of the first import caught streaming rows (COPY) on the database. */
export async function waitForCopy(pool: pg.Pool, database: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const copying = (await backends(pool, database)).filter(
      (b) => b.application_name === 'csv-import-worker' && b.state === 'active' && b.query.startsWith('COPY list_rows'),
    );
    if (copying[0]) return copying[0].pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no COPY into list_rows on ${database} within ${timeoutMs} ms`);
}

/** Resolves with how long it took for the backend to be gone, or rejects when it outlives timeoutMs. */
export async function waitForBackendGone(pool: pg.Pool, pid: number, timeoutMs = 5_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const { rowCount } = await pool.query('select 1 from pg_stat_activity where pid = $1', [pid]);
    if (!rowCount) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`backend ${pid} still exists after ${timeoutMs} ms`);
}

/** Sessions holding a transaction open or stuck mid-statement once all imports are done. */
export const stuck = (list: Backend[]) => list.filter((b) => b.state !== 'idle');
