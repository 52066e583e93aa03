import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { withStatementTimeout } from './statement-timeout.js';

export interface CopyBatchesOptions {
  /** Start a new COPY statement once the current one has been given this many bytes. */
  batchBytes: number;
  /** COPY text that may wait here while the previous statement finishes. */
  aheadBytes: number;
  /** Fail when PostgreSQL takes nothing for this long while rows wait for it. */
  stallMs: number;
}

/**
 * COPY text in, written to PostgreSQL as a run of `COPY … FROM STDIN` statements of about
 * `batchBytes` each, one after the other on the same client, so in the same transaction.
 *
 * Why not one statement: PostgreSQL checks a foreign key (list_rows → lists) with an after-row
 * trigger per row, and runs a statement's queue of them only once all its data has arrived. With
 * one COPY that was about 3 s per million rows after the last byte, with the worker idle (bench
 * and pg_stat_progress_copy: every row processed, then 3 s until COPY completed; 9.3 s instead of
 * 12.3 s without the key). In batches, each batch's check runs while the worker parses the next
 * one, which waits in this stream's buffer until the check is done.
 *
 * A PostgreSQL that goes silent (a network partition: no reset, so no socket error) fails the
 * run after `stallMs`. Only time spent waiting on PostgreSQL counts, never time the rows take to
 * arrive (a slow download, or a file that keeps being parsed for its problems after the first).
 *
 * Every chunk written must end at a line end (RecordsToCopy's chunks do), so no row is split
 * between two statements. On failure the caller must destroy the connection rather than reuse
 * it: a statement that has already sent all its rows cannot be called off from here.
 */
export class CopyBatches extends Writable {
  /** COPY statements started so far. */
  statements = 0;
  private current: CopyStreamQuery | undefined;
  private currentDone: Promise<void> | undefined;
  private currentBytes = 0;
  /** The statement that was ended last, until PostgreSQL confirms it. */
  private previousDone: Promise<void> | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly sql: string,
    private readonly opts: CopyBatchesOptions,
  ) {
    super({ highWaterMark: opts.aheadBytes });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.writeChunk(chunk).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.endCurrent();
    this.waitOnPostgres(this.previousDone).then(() => done(), done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    // A statement still taking rows is told to fail (CopyFail); see the class comment for the rest.
    if (this.current && !this.current.writableEnded) this.current.destroy(err ?? undefined);
    done(err);
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    if (this.currentBytes >= this.opts.batchBytes) this.endCurrent();
    if (!this.current) {
      // One statement at a time on the connection: the next waits for the previous one's check.
      await this.waitOnPostgres(this.previousDone);
      this.previousDone = undefined;
      this.startStatement();
    }
    const stream = this.current!;
    this.currentBytes += chunk.length;
    if (!stream.write(chunk)) await this.waitOnPostgres(drained(stream));
  }

  private startStatement(): void {
    const stream = this.client.query(copyFrom(this.sql, { highWaterMark: this.opts.aheadBytes }));
    this.current = stream;
    this.currentBytes = 0;
    this.statements++;
    this.currentDone = finished(stream).catch((err: Error) => {
      // Fails the whole run at once, whether or not a write is waiting on this statement.
      this.destroy(err);
      throw err;
    });
    // Awaited later, or not at all once the run has failed: never an unhandled rejection.
    this.currentDone.catch(() => undefined);
  }

  private endCurrent(): void {
    if (!this.current) return;
    this.current.end();
    this.previousDone = this.currentDone;
    this.current = undefined;
    this.currentDone = undefined;
  }

  private async waitOnPostgres(progress: Promise<void> | undefined): Promise<void> {
    if (!progress) return;
    await withStatementTimeout(progress, this.opts.stallMs);
  }
}

/** Resolves when the stream has room again; rejects if it closes first (its statement failed). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      stream.off('drain', onDrain);
      reject(stream.errored ?? new Error('the COPY statement ended before it took the rows'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}
