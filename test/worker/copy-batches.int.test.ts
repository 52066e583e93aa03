import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { CopyBatches } from '../../src/worker/import-csv/sinks/copy-batches.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** The COPY writer on its own, against real PostgreSQL: many statements, one transaction. */

const SQL = 'COPY list_rows (list_id, row_number, data) FROM STDIN';
const OPTS = { batchBytes: 4096, aheadBytes: 8192, stallMs: 10_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CopyBatches', () => {
  const fixture = useEngineFixture();

  /** A list row to hang rows on, inside the transaction the caller has begun. */
  async function newList(client: pg.PoolClient): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `insert into lists (id, job_id, name, source_key) values (gen_random_uuid(), gen_random_uuid()::text, 'batches', 'k') returning id`,
    );
    return rows[0]!.id;
  }

  /** Chunks of whole COPY lines, `perChunk` rows each. */
  function chunks(listId: string, rows: number, perChunk: number, line = (n: number) => `${listId}\t${n}\t{"n":"${n}"}\n`): Buffer[] {
    const out: Buffer[] = [];
    for (let first = 1; first <= rows; first += perChunk) {
      let text = '';
      for (let n = first; n < Math.min(first + perChunk, rows + 1); n++) text += line(n);
      out.push(Buffer.from(text));
    }
    return out;
  }

  async function withTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await fixture.db.pool.connect();
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      return await work(client);
    } catch (err) {
      failed = err as Error;
      throw err;
    } finally {
      client.release(failed ?? true);
    }
  }

  const countRows = async (listId: string) =>
    (await fixture.db.pool.query<{ n: number }>('select count(*)::int as n from list_rows where list_id = $1', [listId])).rows[0]!.n;

  it('spreads the rows over many statements in one transaction, every row once and in order', async () => {
    const listId = await withTransaction(async (client) => {
      const id = await newList(client);
      const copy = new CopyBatches(client, SQL, OPTS);
      await pipeline(Readable.from(chunks(id, 5_000, 50)), copy);
      expect(copy.statements).toBeGreaterThan(20);
      await client.query('COMMIT');
      return id;
    });
    const { rows } = await fixture.db.pool.query<{ n: number; wrong: number; first: number; last: number }>(
      `select count(*)::int as n, count(*) filter (where row_number::text <> data->>'n')::int as wrong,
              min(row_number)::int as first, max(row_number)::int as last
         from list_rows where list_id = $1`,
      [listId],
    );
    expect(rows[0]).toEqual({ n: 5_000, wrong: 0, first: 1, last: 5_000 });
  });

  it('fails on a bad row in a later statement, and a COMMIT after it keeps none of the earlier ones', async () => {
    let listId = '';
    const { failure, commit } = await withTransaction(async (client) => {
      listId = await newList(client);
      const bad = (n: number) => (n === 4_321 ? `${listId}\t${n}\tnot json\n` : `${listId}\t${n}\t{"n":"${n}"}\n`);
      const copy = new CopyBatches(client, SQL, OPTS);
      const failure = await pipeline(Readable.from(chunks(listId, 5_000, 50, bad)), copy).then(() => undefined, (e: unknown) => e);
      expect(copy.statements).toBeGreaterThan(20);
      return { failure, commit: await client.query('COMMIT') };
    });
    expect((failure as { code?: string }).code).toBe('22P02');
    expect(String((failure as Error).message)).toMatch(/json/i);
    // PostgreSQL answers a COMMIT of a failed transaction by rolling it back.
    expect(commit.command).toBe('ROLLBACK');
    expect(await countRows(listId)).toBe(0);
  });

  it("fails with the foreign key's error when rows name a list that does not exist", async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const err = await withTransaction(async (client) => {
      const copy = new CopyBatches(client, SQL, OPTS);
      return pipeline(Readable.from(chunks(missing, 1_000, 50)), copy).then(() => undefined, (e: unknown) => e);
    });
    expect((err as { code?: string }).code).toBe('23503');
  });

  it('counts only time spent waiting on PostgreSQL towards the stall limit, not rows slow to arrive', async () => {
    const listId = await withTransaction(async (client) => {
      const id = await newList(client);
      const copy = new CopyBatches(client, SQL, { ...OPTS, stallMs: 200 });
      async function* slowRows() {
        for (const chunk of chunks(id, 500, 50)) {
          await sleep(300);
          yield chunk;
        }
      }
      await pipeline(slowRows(), copy);
      expect(copy.statements).toBeGreaterThan(1);
      await client.query('COMMIT');
      return id;
    });
    expect(await countRows(listId)).toBe(500);
  });

  it('fails as DATABASE_UNAVAILABLE when PostgreSQL takes nothing for the stall limit', async () => {
    // Another session holds list_rows locked, so the COPY cannot start and takes no rows.
    const blocker = await fixture.db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE list_rows IN ACCESS EXCLUSIVE MODE');
      const result = await withTransaction(async (client) => {
        const listId = await newList(client);
        const copy = new CopyBatches(client, SQL, { ...OPTS, stallMs: 500 });
        const started = performance.now();
        const failure = await pipeline(Readable.from(chunks(listId, 5_000, 50)), copy).then(() => undefined, (e: unknown) => e);
        return { failure, ms: performance.now() - started };
      });
      expect(result.failure).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
      expect((result.failure as Error).message).toMatch(/stopped answering/);
      expect(result.ms).toBeGreaterThanOrEqual(450);
      expect(result.ms).toBeLessThan(5_000);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
  });

  it('stops at once when the run is aborted between statements, and the destroyed connection keeps nothing', async () => {
    const controller = new AbortController();
    let listId = '';
    const { failure, ms } = await withTransaction(async (client) => {
      listId = await newList(client);
      const copy = new CopyBatches(client, SQL, OPTS);
      async function* rowsThenAbort() {
        for (const [i, chunk] of chunks(listId, 5_000, 50).entries()) {
          if (i === 40) controller.abort();
          yield chunk;
        }
      }
      const started = performance.now();
      const failure = await pipeline(rowsThenAbort(), copy, { signal: controller.signal }).then(() => undefined, (e: unknown) => e);
      expect(copy.statements).toBeGreaterThan(1);
      // As the engine does after any failure: the connection is destroyed, never committed
      // (a statement that had sent all its rows cannot be called off; see CopyBatches).
      return { failure, ms: performance.now() - started };
    });
    expect((failure as Error).name).toBe('AbortError');
    expect(ms).toBeLessThan(5_000);
    expect(await countRows(listId)).toBe(0);
  });
});
