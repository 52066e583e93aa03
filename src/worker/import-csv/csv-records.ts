import { Parser, type Info, type Options } from 'csv-parse';
import type { CsvOptions } from '../../shared/contract.js';

/**
 * How the engine asks csv-parse to read a file (DESIGN §5): every line end, even mixed in one
 * file; blank lines skipped; stray quotes kept as text; rows of any width (the row check counts
 * cells itself, to name the row); a record size bound so a wrong delimiter cannot eat memory.
 * `leadingLines` (Excel's `sep=` line, then the skipped rows) are dropped but still counted, so
 * every line number stays the file's own.
 */
export function csvParseOptions(csv: CsvOptions, delimiter: string, maxRecordBytes: number, leadingLines = csv.skipRows): Options {
  return {
    delimiter,
    quote: csv.quote,
    escape: csv.escape,
    record_delimiter: ['\r\n', '\n', '\r'],
    from_line: leadingLines + 1,
    skip_empty_lines: true,
    relax_quotes: true,
    relax_column_count: true,
    max_record_size: maxRecordBytes,
  };
}

/** Called once per record, while the parser's counters still describe that record. */
export type OnRecord = (record: string[], info: Readonly<Info>) => void;

/** The part of csv-parse's parser core the stream class drives (`parser.api`, csv-parse 5–7). */
interface ParserCore {
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  info: Info;
}

/**
 * csv-parse's record parser without its stream. The stream version hands over every record as a
 * stream object, and with `info: true` copies the counters into a fresh object per record; we
 * need the line counters only where a record is read, so we call the core the stream class
 * uses, and read its live `info`. Records arrive synchronously from `write` and `end`, which
 * throw the parser's CsvError (or whatever `onRecord` throws).
 */
export class CsvRecords {
  private readonly core: ParserCore;

  constructor(options: Options, private readonly onRecord: OnRecord) {
    this.core = (new Parser({ ...options, info: false, columns: false, objname: undefined }) as unknown as { api: ParserCore }).api;
  }

  get info(): Readonly<Info> {
    return this.core.info;
  }

  write(chunk: Buffer): void {
    this.run(chunk, false);
  }

  end(): void {
    this.run(undefined, true);
  }

  private run(chunk: Buffer | undefined, end: boolean): void {
    const err = this.core.parse(chunk, end, (record) => this.onRecord(record, this.core.info), noop);
    if (err) throw err;
  }
}

const noop = () => undefined;
