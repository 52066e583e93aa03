import { Transform, type TransformCallback } from 'node:stream';
import type { Info, Options as CsvParseOptions } from 'csv-parse';
import type { ColumnInfo } from '../../shared/contract.js';
import { ImportError, type Problem } from '../../shared/errors.js';
import { resolveColumnPlan, type ColumnPlanRequest, type PlannedColumn } from './column-plan.js';
import { CsvRecords } from './csv-records.js';
import type { DecodeStats } from './encoding/decode.js';
import { MAX_NAME_LENGTH, overlongName, positionalNames } from './header.js';
import { SAMPLE_CELL_BYTES, SAMPLE_MAX_BYTES, SAMPLE_ROWS } from './infer-types.js';
import { PreviewRows, type RowsPreview } from './preview-rows.js';
import { rowNumberText } from './row-number-text.js';
import { RowValues, type EncodedRow, type RowProblem } from './row-values.js';
import { settleColumns } from './settle-columns.js';
import type { RejectedRowsSink } from './sinks/rejected-rows.js';
import type { CellProblem, SourceRecord } from './sources/source-record.js';
import type { UniqueValues } from './unique-values.js';

export const MAX_PROBLEMS = 100;
export const CHUNK_BYTES = 256 * 1024;
/** Digits of the largest row number (Number.MAX_SAFE_INTEGER). */
const MAX_ROW_DIGITS = 16;

/**
 * Thrown at the end of a pass in which later values contradicted inferred types: the import
 * restarts once, with every such column as string (DESIGN §5). The pass stops writing at the
 * first contradiction but reads on to the end, so it finds them all.
 */
export class ReplanNeeded extends Error {
  constructor(readonly columns: ReadonlySet<number>) {
    super(`columns ${[...columns].join(', ')} are not of their inferred types after all`);
    this.name = 'ReplanNeeded';
  }
}

export interface RecordsToCopyOptions {
  listId: string;
  header: boolean;
  /** Lines csv-parse drops before the first record (`from_line`). */
  skipRows: number;
  plan: ColumnPlanRequest;
  /** Stored columns (by position in the plan) an earlier pass found values of another type in. */
  forcedStrings: ReadonlySet<number>;
  /** The uploading user's locale: decimal and group characters, day and month order (DESIGN §5.8). */
  locale: string | undefined;
  inferTypes: 'none' | 'lossless';
  /** Where unique columns' values are counted; needed only when the plan has one. */
  unique?: UniqueValues;
  invalidRows: 'fail' | 'skip';
  maxColumns: number;
  maxRows?: number;
  decodeStats: DecodeStats;
  progressEvery: number;
  onProgress(rows: number): void;
  /** Once the columns are settled: the header, the columns and the first rows as they will be stored. */
  onPreview?(preview: RowsPreview): void;
  /** Where invalid rows go, cells as in the file (DESIGN §5.4); with one, "fail" mode reads to the end. */
  rejected?: RejectedRowsSink;
}

/**
 * Decoded CSV bytes in, COPY text out in large chunks. Parses with csv-parse, handles the header,
 * samples the first rows to settle column types, checks every row, and collects problems
 * (DESIGN §5). One stream stage for all of it: per-record stream hand-offs cost more than the
 * work done on a record.
 */
export class RecordsToCopy extends Transform {
  columns: ColumnInfo[] = [];
  rowsWritten = 0;
  skippedRows = 0;
  nulRemoved = 0;
  problems: Problem[] = [];
  problemCount = 0;
  /** Physical line where the last record ended (the skipped preamble before the first one). */
  private lastLine: number;
  /** csv-parse's count of skipped blank lines when the last record ended. */
  private emptyLinesAtLastLine = 0;

  private rawNames: string[] | undefined;
  /** `raw` is the record as parsed, before NULs were removed from `cells` (the report keeps it). */
  private sample: { cells: string[]; raw: string[]; line: number; problems?: CellProblem[]; kinds?: SourceRecord['kinds'] }[] | undefined = [];
  private planned: PlannedColumn[] = [];
  /** The settled columns' encoder; undefined until the sample is read. */
  private values: RowValues | undefined;
  /** With unique columns: this chunk's rows, in order, until PostgreSQL says which repeat a value. */
  private pending: { row: number; line: number; cells: string[]; raw: string[]; encoded: EncodedRow | RowProblem }[] = [];
  /** Whether rows wait in `pending`: only when a column is unique. */
  private holdRows = false;
  private readonly preview: PreviewRows;
  private sampleBytes = 0;
  private dataRow = 0;
  /** CRLFs inside quoted fields so far; csv-parse counts each one as two lines. */
  private quotedCrlfs = 0;
  /** csv-parse's own `info.lines` at the last record (0 before the first). */
  private parsedLines = 0;
  /** `list_id` and its tab: the same bytes at the start of every line. */
  private readonly linePrefix: Buffer;
  private out = Buffer.allocUnsafe(CHUNK_BYTES);
  private outLength = 0;
  private stopWriting = false;
  /** Parses CSV text; undefined when records arrive already read (a workbook's sheet, in batches of SourceRecords). */
  private readonly csv: CsvRecords | undefined;

  constructor(
    private readonly opts: RecordsToCopyOptions,
    csvOptions: CsvParseOptions | undefined,
  ) {
    // A second output chunk of room lets parsing run ahead while PostgreSQL works through the
    // last one (with one, the two sides took turns). More room bought a little speed and cost
    // flat memory: chunks that wait long are freed only by V8's full collections (bench, 1M
    // rows: 1.07–1.10× the floor with four chunks, 1.13–1.14× with two; the 1 GB file's peak
    // RSS 15–17% above the 10 MB file's with four, 3.7% with two).
    // A workbook's records come in batches of an inflated chunk's rows: one waiting is enough, and
    // Node's default of 16 kept thousands of rows alive long enough for V8 to promote them.
    const records = csvOptions === undefined ? { writableObjectMode: true, writableHighWaterMark: 1 } : {};
    super({ readableHighWaterMark: 2 * CHUNK_BYTES, ...records });
    this.lastLine = opts.skipRows;
    this.linePrefix = Buffer.from(`${opts.listId}\t`, 'utf8');
    this.preview = new PreviewRows(opts.onPreview);
    this.csv = csvOptions && new CsvRecords(csvOptions, (record, info, bytes) => this.onRecord(record, info, bytes));
  }

  /**
   * Where a record the parser gave up on (an unclosed quote, a record over the size limit)
   * starts: the line after the last record and after the blank lines csv-parse skipped since,
   * given as `empty_lines` on its error. (csv-parse also counts blank lines inside a skipped
   * preamble, so an error in the very first record after one may be placed a line late.)
   */
  lineAfterLastRecord(emptyLines: number): number {
    return this.lastLine + 1 + Math.max(0, emptyLines - this.emptyLinesAtLastLine);
  }

  override _transform(chunk: Buffer | SourceRecord[], _enc: BufferEncoding, done: TransformCallback): void {
    try {
      if (this.csv) this.csv.write(chunk as Buffer);
      else {
        for (const r of chunk as SourceRecord[]) {
          const cells = this.opts.decodeStats.sawNul ? this.removeNuls(r.cells) : r.cells;
          this.takeRecord(cells, r.cells, r.line, r.bytes, r.problems, r.kinds);
        }
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    if (this.pending.length) {
      this.settlePending().then(() => this.afterChunk(done), done);
      return;
    }
    this.afterChunk(done);
  }

  private afterChunk(done: TransformCallback): void {
    const wait = this.opts.rejected?.room();
    if (wait) wait.then(() => done(), done);
    else done();
  }

  private onRecord(record: string[], info: Readonly<Info>, bytes: number): void {
    // Where the record starts, counted back from where it ends: counting forward from the
    // previous record missed the lines skipRows drops before the first one. A record that ends
    // one csv-parse line after the last (past blank lines) holds no line break: skip the scan.
    const { lines, empty_lines } = info;
    const oneLine = this.parsedLines > 0 && lines - this.parsedLines - (empty_lines - this.emptyLinesAtLastLine) === 1;
    const breaks = oneLine ? 0 : this.lineBreaksIn(record);
    this.parsedLines = lines;
    this.lastLine = lines - this.quotedCrlfs;
    this.emptyLinesAtLastLine = empty_lines;
    const line = this.lastLine - breaks;
    const cells = this.opts.decodeStats.sawNul ? this.removeNuls(record) : record;
    this.takeRecord(cells, record, line, bytes);
  }

  /** From here on a record is a record, whatever file it came from. */
  private takeRecord(cells: string[], raw: string[], line: number, bytes: number, problems?: CellProblem[], kinds?: SourceRecord['kinds']): void {
    if (this.opts.header && !this.rawNames) this.readHeader(cells, line, problems);
    else if (this.sample) this.addToSample(cells, raw, line, bytes, problems, kinds);
    else this.writeRow(cells, line, raw, problems);
  }

  private addToSample(cells: string[], raw: string[], line: number, bytes: number, problems: CellProblem[] | undefined, kinds: SourceRecord['kinds']): void {
    // Without a header every cell of a sampled row is a column: no need to hold it to know.
    if (!this.opts.header) this.checkColumnCount(cells.length);
    this.sample!.push({ cells, raw, line, problems, kinds });
    this.sampleBytes += bytes + SAMPLE_CELL_BYTES * cells.length;
    if (this.sample!.length >= SAMPLE_ROWS || this.sampleBytes >= SAMPLE_MAX_BYTES) this.settleTypes();
  }

  override _flush(done: TransformCallback): void {
    this.finish().then(() => done(), done);
  }

  private async finish(): Promise<void> {
    this.csv?.end();
    if (this.opts.header && !this.rawNames) throw new ImportError('EMPTY_FILE', 'the file is empty: it has no header row and no data');
    if (this.sample) {
      if (!this.opts.header && this.sample.length === 0) throw new ImportError('EMPTY_FILE', 'the file is empty: it has no rows');
      this.settleTypes();
    }
    await this.settlePending();
    // A second pass would find the same problems: fail now rather than restart to find them.
    if (this.problemCount && this.opts.invalidRows === 'fail') throw this.invalidRowsError();
    if (this.values?.contradicted.size) throw new ReplanNeeded(this.values.contradicted);
    this.flushOut();
  }

  private readHeader(cells: string[], line: number, problems: CellProblem[] | undefined): void {
    if (problems) throw new ImportError('CELL_ERROR', `the header row (line ${line}): ${problems[0]!.reason}; the first row must name the columns`);
    if (cells.every((c) => c.trim() === '')) {
      throw new ImportError('NO_HEADER', `the header row (line ${line}) is empty; the first line must name the columns`);
    }
    this.checkColumnCount(cells.length);
    const long = overlongName(cells);
    if (long) {
      throw new ImportError(
        'NO_HEADER',
        `column ${long.position} of the header row (line ${line}) is ${long.length.toLocaleString('en')} characters long; ` +
          `a column name may have at most ${MAX_NAME_LENGTH.toLocaleString('en')}. If the first line is data, import the file without a header`,
      );
    }
    this.rawNames = cells;
    // The plan's errors come from the header alone, before the sample is read (DESIGN §5.2).
    this.planned = resolveColumnPlan(cells, this.opts.plan, line);
  }

  private checkColumnCount(count: number): void {
    if (count > this.opts.maxColumns) {
      throw new ImportError('TOO_MANY_COLUMNS', `the file has ${count} columns; at most ${this.opts.maxColumns} are allowed`);
    }
  }

  /** Decides the columns and their types from the sample, then writes the sampled rows. */
  private settleTypes(): void {
    const sample = this.sample ?? [];
    this.sample = undefined;
    // Without a header, the widest sampled row sets the width, trailing empty cells included: a
    // last column empty throughout the sample is still a column (DESIGN §5).
    const names = this.rawNames ?? positionalNames(sample.reduce((widest, r) => Math.max(widest, r.cells.length), 0));
    this.checkColumnCount(names.length);
    if (!this.rawNames) this.planned = resolveColumnPlan(names, this.opts.plan, this.opts.skipRows + 1);
    const sampled = sample.map((r) => this.planned.map((c) => r.cells[c.source] ?? ''));
    const kinds = sample.every((r) => r.kinds) ? sample.map((r) => this.planned.map((c) => r.kinds![c.source])) : undefined;
    const settled = settleColumns(this.planned, sampled, this.opts, kinds);
    this.values = new RowValues(settled.columns, names.length);
    this.holdRows = this.opts.unique !== undefined && settled.columns.some((c) => c.unique);
    this.columns = settled.columns.map((c) => c.info);
    this.opts.rejected?.start(names);
    // The preview goes at its tenth row, before the sample's rows report progress.
    this.preview.start(names, settled.preview, settled.columns);
    for (const row of sample) this.writeRow(row.cells, row.line, row.raw, row.problems);
    this.preview.end();
  }

  private writeRow(cells: string[], line: number, raw: string[], problems?: CellProblem[]): void {
    const row = ++this.dataRow;
    if (this.opts.maxRows !== undefined && row > this.opts.maxRows) {
      throw new ImportError('TOO_MANY_ROWS', `the file has more than ${this.opts.maxRows} rows, the most one list may hold`);
    }
    const encoded = problems ? this.cellProblem(problems[0]!, row, line) : this.values!.encode(cells, row, line);
    if (this.holdRows) this.pending.push({ row, line, cells, raw, encoded });
    else this.finishRow(row, line, cells, raw, encoded);
  }

  /** Asks PostgreSQL which pending rows repeat a unique value, then finishes them in order. */
  private async settlePending(): Promise<void> {
    if (!this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    const valid = rows.flatMap((r) => ('body' in r.encoded && r.encoded.uniqueKeys ? [{ row: r.row, keys: r.encoded.uniqueKeys, r }] : []));
    const firsts = await this.opts.unique!.firstRows(valid);
    valid.forEach((v, i) => {
      const first = firsts[i];
      if (first) v.r.encoded = this.values!.duplicate(v.row, v.r.line, first.column, first.firstRow, v.r.cells);
    });
    for (const r of rows) this.finishRow(r.row, r.line, r.cells, r.raw, r.encoded);
  }

  private finishRow(row: number, line: number, cells: string[], raw: string[], encoded: EncodedRow | RowProblem): void {
    if (!('body' in encoded)) {
      this.addProblem(encoded);
      if (this.opts.invalidRows === 'skip') this.skippedRows++;
      else this.stopWriting = true;
      this.opts.rejected?.add(row, line, raw, encoded.message);
      // With a report to write, a failing import reads to the end: the report holds every invalid row.
      if (this.problemCount >= MAX_PROBLEMS && this.opts.invalidRows === 'fail' && !this.opts.rejected) throw this.invalidRowsError();
      return;
    }
    // Valid rows after a failing one still show what the file holds: it fails for that one alone.
    this.preview.offer(cells);
    if (!this.stopWriting && this.values!.contradicted.size === 0) {
      this.appendLine(row, encoded.body);
      this.rowsWritten++;
      if (this.rowsWritten % this.opts.progressEvery === 0) this.opts.onProgress(this.rowsWritten);
    }
  }

  /** A cell the file marks as holding no value (a workbook's `#N/A`) makes its row invalid. */
  private cellProblem(problem: CellProblem, row: number, line: number): RowProblem {
    const name = this.rawNames?.[problem.position] ?? `column_${problem.position + 1}`;
    return {
      row, line, column: name, code: 'CELL_ERROR',
      message: `row ${rowNumberText(row)} (line ${rowNumberText(line)}), column "${name}": ${problem.reason}`,
      value: problem.value.length > 200 ? `${problem.value.slice(0, 200)}…` : problem.value,
    };
  }

  private addProblem(problem: RowProblem): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
  }

  private invalidRowsError(): ImportError {
    const codes = new Set(this.problems.map((p) => p.code));
    const code = codes.size === 1 ? [...codes][0]! : 'INVALID_ROWS';
    const first = this.problems[0]!;
    const more = this.problemCount > 1 ? ` (and ${this.problemCount - 1} more problem${this.problemCount > 2 ? 's' : ''})` : '';
    return new ImportError(code, `${first.message}${more}`, { problems: this.problems, problemCount: this.problemCount });
  }

  /**
   * Line breaks kept inside the record's quoted fields (CRLF, LF or CR: one each). Also adds the
   * record's CRLFs to `quotedCrlfs`: csv-parse steps on both bytes of a quoted CRLF and counts
   * two lines, so its `info.lines` runs ahead of the file by that many.
   */
  private lineBreaksIn(record: string[]): number {
    let breaks = 0;
    for (const cell of record) {
      if (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1) continue;
      for (let i = 0; i < cell.length; i++) {
        const c = cell.charCodeAt(i);
        if (c === 10) breaks++;
        else if (c === 13) {
          breaks++;
          if (cell.charCodeAt(i + 1) === 10) {
            i++;
            this.quotedCrlfs++;
          }
        }
      }
    }
    return breaks;
  }

  private removeNuls(cells: string[]): string[] {
    return cells.map((c) => {
      if (!c.includes('\0')) return c;
      const clean = c.replaceAll('\0', '');
      this.nulRemoved += c.length - clean.length;
      return clean;
    });
  }

  /**
   * Encodes the COPY line straight into the output chunk: no join, no intermediate Buffer per
   * row. The row number goes in as digits, never as a string: V8 keeps number-to-string results
   * in a cache that outlives young-generation collections, so every row's number string was
   * promoted to the old space as garbage (~30 bytes a row, which let the heap of a 1 GB import
   * swell by tens of MB before its first full collection).
   */
  private appendLine(row: number, body: string): void {
    const text = `\t${body}\n`;
    // Three bytes per UTF-16 unit bounds the UTF-8 length without measuring it.
    const maxBytes = this.linePrefix.length + MAX_ROW_DIGITS + text.length * 3;
    if (this.outLength + maxBytes > this.out.length) this.flushOut();
    if (maxBytes > this.out.length) {
      this.push(Buffer.concat([this.linePrefix, Buffer.from(`${row}${text}`, 'utf8')]));
      return;
    }
    this.outLength += this.linePrefix.copy(this.out, this.outLength);
    this.outLength = writeDigits(this.out, this.outLength, row);
    this.outLength += this.out.write(text, this.outLength, 'utf8');
  }

  private flushOut(): void {
    if (!this.outLength) return;
    this.push(this.out.subarray(0, this.outLength));
    this.out = Buffer.allocUnsafe(CHUNK_BYTES);
    this.outLength = 0;
  }
}

/** Writes a non-negative integer's decimal digits at `at`; returns the offset after them. */
function writeDigits(buf: Buffer, at: number, n: number): number {
  let end = at + 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) end++;
  for (let i = end - 1, rest = n; i >= at; i--, rest = Math.floor(rest / 10)) buf[i] = 48 + (rest % 10);
  return end;
}
