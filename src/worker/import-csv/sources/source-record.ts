import type { Duplex, Writable } from 'node:stream';
import type { Options as CsvParseOptions } from 'csv-parse';
import type { Compression, FileType } from '../../../shared/contract.js';
import type { DecodeStats } from '../encoding/decode.js';

/**
 * What every reader of records yields, whatever the file (CSV text, a workbook's sheet): a
 * record's cells as text, the line (or sheet row) it starts on, and its size as it counts
 * toward MAX_RECORD_BYTES. From here on one pipeline reads it.
 */
export interface SourceRecord {
  cells: string[];
  line: number;
  bytes: number;
  /** Cells the file itself marks as having no value to store (a workbook's `#N/A`). */
  problems?: CellProblem[];
  /**
   * What each cell held, where the file says (a workbook's first rows, header and type sample):
   * a column of one typed kind takes that type with no guessing (DESIGN §5.7). A hole is an
   * empty cell or one with a problem, which casts no vote. CSV text has none.
   */
  kinds?: (CellKind | undefined)[];
}

export type CellKind = 'number' | 'date' | 'datetime' | 'time' | 'boolean' | 'string';

export interface CellProblem {
  /** The cell's position in `cells`. */
  position: number;
  /** Where a user finds it: a workbook's cell reference (`C12`). */
  cell: string;
  /** Why there is no value, in words a user can act on. */
  reason: string;
  value: string;
}

/**
 * A file's records, ready to be written: what was detected (for the preview and the result) and
 * how its records stream into the row stage. Each kind of file makes one; one path writes them.
 */
export interface RecordInput {
  detected: { fileType: FileType; compression?: Compression; encoding: string; encodingConfidence: number; delimiter: string; quote?: string };
  /** What only the preview shows: a workbook's sheets, and the one read. */
  preview?: { sheet: string; sheets: string[] };
  /** Lines before the first record (Excel's `sep=` line and the skipped rows of a CSV). */
  leadingLines: number;
  /** csv-parse's options for text; undefined when the records arrive read (SourceRecord batches). */
  csvOptions: CsvParseOptions | undefined;
  decodeStats: DecodeStats;
  /** Bytes of the stored object read so far, for progress. */
  bytes(): number;
  /** Streams the records through `rows` (the row stage) into `out` (the sink). */
  feed(rows: Duplex, out: Writable): Promise<void>;
}
