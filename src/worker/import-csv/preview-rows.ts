import type { PreviewColumn } from '../../shared/contract.js';
import { excerpt } from '../../shared/status/excerpt.js';
import type { SettledColumn } from './row-values.js';
import { storedValue } from './values/stored-value.js';

/** Rows the preview shows (DESIGN §3). */
export const PREVIEW_ROWS = 10;
/** A cell longer than this is shown as an excerpt that says how much was cut, as problem values are. */
export const PREVIEW_CELL_CHARS = 200;
/**
 * What the sample rows may take as JSON: a quarter of the status document's bound, which every
 * later write and the callback carry. Very wide rows are shown fewer, not cut further.
 */
export const PREVIEW_SAMPLE_BYTES = 16 * 1024;

export interface RowsPreview {
  header: string[];
  columns: PreviewColumn[];
  sampleRows: Record<string, unknown>[];
  sampleRowsCut?: true;
}

/**
 * Gathers the preview from the first valid rows, as jsonb will hold them (json cells parsed, typed
 * values as stored), and sends it once: at the tenth row, or when the sample ends with fewer, or at
 * the first row that would take it past PREVIEW_SAMPLE_BYTES. Only those rows pay for it.
 */
export class PreviewRows {
  private rows: Record<string, unknown>[] | undefined;
  private bytes = 0;
  private header: string[] = [];
  private columns: PreviewColumn[] = [];
  private settled: readonly SettledColumn[] = [];

  constructor(private readonly send: ((preview: RowsPreview) => void) | undefined) {}

  /** The columns are settled: rows offered from now on are the preview's. */
  start(header: string[], columns: readonly PreviewColumn[], settled: readonly SettledColumn[]): void {
    if (!this.send) return;
    this.header = header;
    this.columns = columns.map((c) => ({ ...c }));
    this.settled = settled;
    this.rows = [];
  }

  /** A valid row's cells. */
  offer(cells: readonly string[]): void {
    if (!this.rows) return;
    // fromEntries, not assignment: a key `__proto__` is a cell like any other, as jsonb stores it.
    const shown = Object.fromEntries(this.settled.map((c) => [c.info.key, previewCell(c, cells[c.source] ?? '')]));
    const bytes = Buffer.byteLength(JSON.stringify(shown));
    if (this.bytes + bytes > PREVIEW_SAMPLE_BYTES) return this.end(true);
    this.bytes += bytes;
    this.rows.push(shown);
    if (this.rows.length >= PREVIEW_ROWS) this.end();
  }

  /** Sends what there is, once. */
  end(cut = false): void {
    if (!this.rows) return;
    this.send!({ header: this.header, columns: this.columns, sampleRows: this.rows, ...(cut ? { sampleRowsCut: true as const } : {}) });
    this.rows = undefined;
  }
}

/** The cell as stored (a json cell parsed, a typed value as its type), or an excerpt of its text when it is too long to show. */
function previewCell(column: SettledColumn, value: string): unknown {
  if (value.length > PREVIEW_CELL_CHARS) return excerpt(value, PREVIEW_CELL_CHARS);
  return storedValue(column.info.type, column.parser, value);
}
