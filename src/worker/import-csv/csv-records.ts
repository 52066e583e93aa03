import { CsvError, Parser, type Info, type Options } from 'csv-parse';
import type { CsvOptions } from '../../shared/contract.js';
import { specialiseByteTests, type ByteTestsCore } from './csv-byte-tests.js';
import { StrictQuotes, type QuotingCore } from './sources/strict-quotes.js';

/** The quote a job names; `auto` is settled from the sample before parsing (`detectQuote`). */
const quoteOf = (csv: CsvOptions) => (csv.quote === 'auto' ? '"' : csv.quote);

/**
 * How the engine asks csv-parse to read a file (DESIGN §5): every line end, even mixed in one
 * file; blank lines skipped; stray quotes kept as text (`StrictQuotes` refuses the rest of what
 * `relax_quotes` lets through); rows of any width (the row check counts
 * cells itself, to name the row); a record size bound so a wrong delimiter cannot eat memory.
 * `leadingLines` (Excel's `sep=` line, then the skipped rows) are dropped but still counted, so
 * every line number stays the file's own.
 */
export function csvParseOptions(csv: CsvOptions, delimiter: string, maxRecordBytes: number, leadingLines = csv.skipRows, quote = quoteOf(csv)): Options {
  return {
    delimiter,
    quote,
    // The default escape is the quote doubled, whatever the quote: `'O''Brien'` in a `'`-quoted file.
    escape: csv.escape === '"' ? quote : csv.escape,
    record_delimiter: ['\r\n', '\n', '\r'],
    from_line: leadingLines + 1,
    skip_empty_lines: true,
    relax_quotes: true,
    relax_column_count: true,
    max_record_size: maxRecordBytes,
  };
}

/**
 * Called once per record, while the parser's counters still describe that record. `bytes` is
 * the record's size as it counts toward the limit (see `CsvRecords`).
 */
export type OnRecord = (record: string[], info: Readonly<Info>, bytes: number) => void;

/** The part of csv-parse's parser core the stream class drives (`parser.api`, csv-parse 5–7). */
interface ParserCore extends QuotingCore, ByteTestsCore {
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  info: Info;
  options: QuotingCore['options'] & ByteTestsCore['options'] & { max_record_size: number };
  /**
   * The record being read: its finished cells, their characters (`record_length`, kept only
   * with `max_record_size`), and the bytes of the cell being read.
   */
  state: QuotingCore['state'] & ByteTestsCore['state'] & { record_length: number; field: { length: number }; expectedRecordLength: number };
  /** Closes the record in `state.record`: checks its width, counts it, hands it to `push`. */
  __onRecord(push: (record: string[]) => void): Error | undefined;
}

/**
 * Input is parsed in slices of at most this many bytes, and the record being read is measured
 * after each: one check per slice rather than per character, and a record of nothing but
 * delimiters is stopped within a slice of the limit (its cells are array entries too).
 */
const SLICE_BYTES = 64 * 1024;

/**
 * csv-parse's record parser without its stream. The stream version hands over every record as a
 * stream object, and with `info: true` copies the counters into a fresh object per record; we
 * need the line counters only where a record is read, so we call the core the stream class
 * uses, and read its live `info`. Records arrive synchronously from `write` and `end`, which
 * throw the parser's CsvError (or whatever `onRecord` throws).
 *
 * Every byte of a record counts toward `max_record_size` (DESIGN §5). csv-parse's own check
 * counts only the characters of cells, so a record of delimiters passed any limit: we measure
 * records ourselves and throw its CSV_MAX_RECORD_SIZE error as it would. A record's size is the
 * bytes from the end of the record before it (csv-parse's `info.bytes`, which it sets at each
 * cell's and record's end) to its own end, line end included. When blank lines lie between the
 * two, or for the first record (after a skipped preamble), the bytes since the last record are
 * not all the record's: there the size is the parser's count of the record's characters plus one
 * per cell for its delimiter, which leaves out only quote characters.
 */
export class CsvRecords {
  private readonly core: ParserCore;
  private readonly quotes: StrictQuotes;
  private readonly maxRecordBytes: number;
  /** Bytes handed to the parser so far: the same count as its `info.bytes`. */
  private fed = 0;
  private records = 0;
  /** `info.bytes` and `info.empty_lines` where the last record ended. */
  private recordEnd = 0;
  private emptyLinesAtRecordEnd = 0;

  constructor(options: Options, private readonly onRecord: OnRecord) {
    this.core = (new Parser({ ...options, info: false, columns: false, objname: undefined }) as unknown as { api: ParserCore }).api;
    this.maxRecordBytes = this.core.options.max_record_size;
    specialiseByteTests(this.core);
    skipWidthCheck(this.core);
    this.quotes = new StrictQuotes(this.core);
  }

  get info(): Readonly<Info> {
    return this.core.info;
  }

  write(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
      const slice = chunk.subarray(at, at + SLICE_BYTES);
      this.fed += slice.length;
      this.run(slice, false);
      // The record still open at the slice's end, read so far.
      if (this.maxRecordBytes && this.recordBytes(this.fed) > this.maxRecordBytes) throw this.tooLarge();
    }
  }

  end(): void {
    this.run(undefined, true);
  }

  private run(chunk: Buffer | undefined, end: boolean): void {
    const err = this.core.parse(chunk, end, this.push, noop);
    if (err) throw err;
  }

  private readonly push = (record: string[]): void => {
    const info = this.core.info;
    const bytes = this.recordBytes(info.bytes);
    if (this.maxRecordBytes && bytes > this.maxRecordBytes) throw this.tooLarge();
    this.quotes.check(record);
    this.records++;
    this.recordEnd = info.bytes;
    this.emptyLinesAtRecordEnd = info.empty_lines;
    this.onRecord(record, info, bytes);
  };

  /** The size of the record that ends (or has been read up to) at byte `end`. */
  private recordBytes(end: number): number {
    const { info, state } = this.core;
    if (this.records > 0 && info.empty_lines === this.emptyLinesAtRecordEnd) return end - this.recordEnd;
    return state.record_length + state.record.length + state.field.length;
  }

  /** csv-parse's own error for the case, so both are reported alike (with the blank lines it skipped, to place the record). */
  private tooLarge(): CsvError {
    return new CsvError('CSV_MAX_RECORD_SIZE', `the record is larger than ${this.maxRecordBytes} bytes`, undefined, {
      empty_lines: this.core.info.empty_lines,
    });
  }
}

/**
 * Turns off csv-parse's check of each record's width against the first one's, by giving every
 * record its own width to be checked against. With `relax_column_count` the check fails nothing,
 * but for each record of another width it still builds a CsvError (a captured stack, the record
 * and the counters deep-copied through JSON, the line number as text) and drops it, and that
 * garbage reached the old space: a skip mode import of a 1M-row file with 10% rows too wide
 * peaked at 60 MB of old space against a clean one's 16 MB, and 20–40 MB more RSS. The row check
 * counts cells itself. Done in the record step rather than as a getter on `state`: a getter
 * turns `state`, read per character, into a slow dictionary object.
 */
function skipWidthCheck(core: ParserCore): void {
  const onRecord = core.__onRecord;
  core.__onRecord = function (this: ParserCore, push) {
    this.state.expectedRecordLength = this.state.record.length;
    return onRecord.call(this, push);
  };
}

const noop = () => undefined;
