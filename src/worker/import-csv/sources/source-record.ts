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
}

export interface CellProblem {
  /** The cell's position in `cells`. */
  position: number;
  /** Where a user finds it: a workbook's cell reference (`C12`). */
  cell: string;
  /** Why there is no value, in words a user can act on. */
  reason: string;
  value: string;
}
