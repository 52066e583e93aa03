import type { PreviewColumn } from '../../shared/contract.js';
import type { SettledColumn } from './row-values.js';
import { storedValue } from './values/stored-value.js';

/** Rows the preview shows (DESIGN §3). */
export const PREVIEW_ROWS = 10;

export interface RowsPreview {
  header: string[];
  columns: PreviewColumn[];
  sampleRows: Record<string, unknown>[];
}

/**
 * Gathers the preview from the first valid rows, as jsonb will hold them (json cells parsed, typed values as stored), and
 * sends it once: at the tenth row, or when the sample ends with fewer. Only those rows pay for it.
 */
export class PreviewRows {
  private rows: Record<string, unknown>[] | undefined;
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
    const stored: Record<string, unknown> = {};
    this.settled.forEach((c) => {
      stored[c.info.key] = storedValue(c.info.type, c.parser, cells[c.source] ?? '');
    });
    this.rows.push(stored);
    if (this.rows.length >= PREVIEW_ROWS) this.end();
  }

  /** Sends what there is, once. */
  end(): void {
    if (!this.rows) return;
    this.send!({ header: this.header, columns: this.columns, sampleRows: this.rows });
    this.rows = undefined;
  }
}
