import { Writable } from 'node:stream';
import type pg from 'pg';
import type { ImportResult } from '../../../shared/contract.js';
import { CopyBatches, type CopyBatchesOptions } from './copy-batches.js';
import { finishList, insertList, type NewList } from './list-store.js';
import { DatabaseSilentError, withStatementTimeout } from './statement-timeout.js';

/**
 * Where an import's rows go, chosen once per job (STYLE §9): a list in PostgreSQL, or nowhere
 * for a dry run. The row path writes the same COPY text to either and never asks which it has.
 */
export interface RowSink {
  /** The list the rows belong to; undefined when nothing is written (a dry run). */
  readonly listId: string | undefined;
  /** Takes the COPY text of the rows. */
  readonly rows: Writable;
  /** Records the result with the rows; `beforeCommit` has the last word before COMMIT. */
  commit(result: ImportResult, beforeCommit?: () => Promise<void>): Promise<void>;
  /** Undoes whatever was written; `broken` when the connection saw the failure mid-protocol. */
  abort(broken: boolean): Promise<void>;
}

/** The list_id a dry run's COPY text carries: the rows are encoded as for a real list, then dropped. */
const NO_LIST = '00000000-0000-0000-0000-000000000000';

/** A dry run's sink: every row encoded and checked, then dropped (DESIGN §5.3). */
export function nowhere(): RowSink {
  return {
    listId: undefined,
    rows: new Writable({ write: (_chunk, _enc, done) => done() }),
    // Nothing to commit, but the same last word: a dry run that lost its lock or was cancelled
    // must not report success for a job that is no longer its own.
    commit: async (_result, beforeCommit) => {
      await beforeCommit?.();
    },
    abort: async () => undefined,
  };
}

export const copyTextListId = (sink: RowSink): string => sink.listId ?? NO_LIST;

export interface ListSinkOptions {
  pool: pg.Pool;
  list: NewList;
  copy: Omit<CopyBatchesOptions, 'stallMs'>;
  stallMs: number;
}

/**
 * One transaction on one pooled client: the list inserted first, the rows COPYed, the columns,
 * counts and result written, COMMIT. Undefined when the job already has a list (the insert did
 * nothing). COPY bounds its own waits; every other statement gets the same bound, and a client
 * that went silent or saw a COPY error is destroyed with its transaction rather than pooled. The
 * insert may wait on another worker's uncommitted list of this job: that worker has lost the
 * job's lock and aborts within half the lock's duration, well inside the bound.
 */
export async function openListSink(opts: ListSinkOptions): Promise<RowSink | undefined> {
  const client = await opts.pool.connect();
  let clientError: Error | undefined;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    client.release(clientError);
  };
  const statement = <T>(run: Promise<T>): Promise<T> =>
    withStatementTimeout(run, opts.stallMs).catch((err: unknown) => {
      if (err instanceof DatabaseSilentError) clientError = err;
      throw err;
    });
  // Once per transaction: the client may be another import's once it is back in the pool.
  const rollback = async () => {
    if (released) return;
    if (!clientError) await statement(client.query('ROLLBACK')).catch((e: Error) => (clientError = e));
    release();
  };
  let listId: string | undefined;
  try {
    await statement(client.query('BEGIN'));
    listId = await statement(insertList(client, opts.list));
  } catch (err) {
    await rollback();
    throw err;
  }
  if (!listId) {
    await rollback();
    return undefined;
  }
  return {
    listId,
    rows: new CopyBatches(client, 'COPY list_rows (list_id, row_number, data) FROM STDIN', { ...opts.copy, stallMs: opts.stallMs }),
    async commit(result, beforeCommit) {
      try {
        await statement(finishList(client, listId, result));
        await beforeCommit?.();
        await statement(client.query('COMMIT'));
      } catch (err) {
        await rollback();
        throw err;
      }
      release();
    },
    async abort(broken) {
      if (broken) clientError ??= new Error('the COPY failed; the connection may be mid-protocol');
      await rollback();
    },
  };
}
