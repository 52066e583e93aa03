import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';

export interface CopyBatchesOptions {
  /** Start a new COPY statement once the current one has been given this many bytes. */
  batchBytes: number;
  /** How much COPY text may wait for PostgreSQL, per statement (its stream's high-water mark). */
  aheadBytes: number;
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
 * one, which waits in pg's query queue and in the next stream's buffer until its turn.
 *
 * Every chunk written must end at a line end (RecordsToCopy's chunks do), so no row is split
 * between two statements.
 */
export class CopyBatches extends Writable {
  /** COPY statements started so far. */
  statements = 0;
  private current: CopyStreamQuery | undefined;
  private currentBytes = 0;
  private readonly open = new Set<CopyStreamQuery>();
  private failure: Error | undefined;
  private settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: pg.PoolClient,
    private readonly sql: string,
    private readonly opts: CopyBatchesOptions,
  ) {
    super({ highWaterMark: opts.aheadBytes });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.failure) return done(this.failure);
    if (!this.current || this.currentBytes >= this.opts.batchBytes) this.startBatch();
    const stream = this.current!;
    this.currentBytes += chunk.length;
    if (stream.write(chunk)) return done();
    const onDrain = () => {
      stream.off('close', onClose);
      done();
    };
    // A statement that fails never drains; its error reaches `failure` first.
    const onClose = () => {
      stream.off('drain', onDrain);
      done(this.failure ?? new Error('the COPY stream closed before it took the rows'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.current?.end();
    this.current = undefined;
    void this.settled.then(() => done(this.failure));
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    // Each statement still open is told to fail (CopyFail), so the transaction is left aborted.
    for (const stream of this.open) stream.destroy(err ?? undefined);
    done(err);
  }

  private startBatch(): void {
    this.current?.end();
    const stream = this.client.query(copyFrom(this.sql, { highWaterMark: this.opts.aheadBytes }));
    this.current = stream;
    this.currentBytes = 0;
    this.statements++;
    this.open.add(stream);
    const ended = finished(stream).then(
      () => {
        this.open.delete(stream);
      },
      (err: Error) => {
        this.open.delete(stream);
        // The first failure fails the whole run at once, whichever statement it came from.
        if (this.failure) return;
        this.failure = err;
        this.destroy(err);
      },
    );
    this.settled = Promise.all([this.settled, ended]).then(() => undefined);
  }
}
