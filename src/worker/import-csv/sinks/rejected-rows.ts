import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { RejectedRowsReport } from '../../../shared/contract.js';
import type { Storage } from '../../../shared/storage.js';
import { rowNumberText } from '../row-number-text.js';

/** Where a report goes: bytes written to `stream` are at `key` once `done` resolves. */
export interface ReportTarget {
  key: string;
  open(signal?: AbortSignal): { stream: Writable; done: Promise<void> };
  /** Removes what was written, complete or not: the import it named did not end with it. */
  discard(): Promise<void>;
}

/**
 * Where one run of a job puts its report in the bucket: a key of its own, by the run's number (the
 * status document's `attempt`), so that a run removing its report removes only its own. A run
 * that lost the job's lock to another worker (a dry run commits nothing, so it learns late) gives
 * its report up while the run now holding the job writes one: under one key for both, the first
 * deleted the second's.
 */
export const rejectedRowsKey = (prefix: string, jobId: string, attempt: number): string => `${prefix}${jobId}.attempt-${attempt}.csv`;

/** The report as an object in the bucket, streamed as a multipart upload (DESIGN §5.4). */
export function bucketReport(storage: Storage, key: string): ReportTarget {
  return {
    key,
    open(signal) {
      const stream = new PassThrough({ highWaterMark: FLUSH_CHARS });
      return { stream, done: storage.upload(key, stream, { contentType: 'text/csv; charset=utf-8', signal: untilEnded(stream, signal) }) };
    },
    // An upload given up midway leaves nothing (lib-storage aborts the multipart upload); one
    // complete before the COMMIT failed is deleted.
    discard: () => storage.delete(key),
  };
}

/** Takes every invalid row; `room()` is a promise while it wants the row path to wait. */
export interface RejectedRowsSink {
  start(header: readonly string[]): void;
  add(row: number, line: number, cells: readonly string[], error: string): void;
  room(): Promise<void> | undefined;
}

/**
 * `signal`, as long as `stream` is being written: an upload whose body is complete is let finish.
 * Aborted then, its last request could still land after `discard` deleted the key, and leave
 * behind a report no import names.
 */
function untilEnded(stream: Writable, signal: AbortSignal | undefined): AbortSignal | undefined {
  if (!signal) return undefined;
  const upload = new AbortController();
  const follow = () => {
    if (!stream.writableEnded) upload.abort(signal.reason);
  };
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return upload.signal;
}

/**
 * The report as a local file (`import-file --rejected-rows PATH`), written beside it as
 * `PATH.partial` and renamed once complete: a file at PATH is always a whole report.
 */
export function fileReport(path: string): ReportTarget {
  const partial = `${path}.partial`;
  return {
    key: path,
    open() {
      const stream = createWriteStream(partial);
      return { stream, done: finished(stream).then(() => rename(partial, path)) };
    },
    async discard() {
      await Promise.all([partial, path].map((p) => rm(p, { force: true })));
    },
  };
}

const BOM = '\ufeff';
/** Report text gathered before it is handed on: one write per this much, not one per row. */
const FLUSH_CHARS = 64 * 1024;
const NEEDS_QUOTES = /["\r\n]/;
const csvField = (v: string, delimiter: string) => (NEEDS_QUOTES.test(v) || v.includes(delimiter) ? `"${v.replaceAll('"', '""')}"` : v);

/**
 * Every invalid row of an import as CSV (DESIGN §5.4): UTF-8 with a BOM (Excel reads it as
 * UTF-8), in the file's own delimiter (a `;` file's user opens it in columns in the same Excel), the file's header and `row`, `line`, `error`, then each row's cells exactly as parsed,
 * quoted where they need it. A row with more cells than the header has its extra cells after
 * `error`, so the header's columns stay aligned. Nothing is written unless a row is rejected:
 * the target is opened at the first one. Memory stays constant: the row path waits on `room()`.
 */
export class RejectedRowsWriter implements RejectedRowsSink {
  rows = 0;
  private header: readonly string[] = [];
  private out: { stream: Writable; done: Promise<void> } | undefined;
  private text = '';

  constructor(
    private readonly target: ReportTarget,
    private readonly signal?: AbortSignal,
    private readonly delimiter: string = ',',
  ) {}

  start(header: readonly string[]): void {
    this.header = header;
  }

  add(row: number, line: number, cells: readonly string[], error: string): void {
    if (!this.out) {
      this.out = this.target.open(this.signal);
      // Awaited in finish(), raced in room(); never an unhandled rejection in between.
      this.out.done.catch(() => undefined);
      this.text = `${BOM}${[...this.header, 'row', 'line', 'error'].map((v) => csvField(v, this.delimiter)).join(this.delimiter)}\r\n`;
    }
    const width = this.header.length;
    const fields: string[] = [];
    for (let i = 0; i < width; i++) fields.push(csvField(cells[i] ?? '', this.delimiter));
    fields.push(rowNumberText(row), rowNumberText(line), csvField(error, this.delimiter));
    for (let i = width; i < cells.length; i++) fields.push(csvField(cells[i]!, this.delimiter));
    this.text += `${fields.join(this.delimiter)}\r\n`;
    this.rows++;
    if (this.text.length >= FLUSH_CHARS) this.flush();
  }

  room(): Promise<void> | undefined {
    if (!this.out?.stream.writableNeedDrain) return undefined;
    // A failed upload stops taking bytes: its error, not a wait for ever.
    return Promise.race([once(this.out.stream, 'drain').then(() => undefined), this.out.done]);
  }

  /** Completes the report; undefined when no row was rejected. */
  async finish(): Promise<RejectedRowsReport | undefined> {
    if (!this.out) return undefined;
    this.flush();
    this.out.stream.end();
    await this.out.done;
    return { key: this.target.key, rows: this.rows };
  }

  /**
   * Gives up on the report (the pass failed otherwise, or starts over), also once it was complete
   * (the COMMIT after it failed): a report exists only for the import that names it.
   */
  async abort(): Promise<void> {
    if (!this.out) return;
    this.out.stream.destroy(new Error('the import stopped before the report was complete'));
    await this.out.done.catch(() => undefined);
    await this.target.discard().catch(() => undefined);
  }

  private flush(): void {
    if (!this.text) return;
    this.out!.stream.write(this.text);
    this.text = '';
  }
}
