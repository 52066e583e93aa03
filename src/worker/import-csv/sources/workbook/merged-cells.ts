import { cellReference } from './cell-reference.js';

export interface CellRange {
  firstRow: number;
  firstColumn: number;
  lastRow: number;
  lastColumn: number;
}

const MERGE_CELLS = Buffer.from('mergeCells');
const REF = /\bref\s*=\s*["']([A-Za-z]+\d+)(?::([A-Za-z]+\d+))?["']/g;

/**
 * The sheet's merged ranges. They follow the cells in the sheet's XML, so a reader that streams
 * the cells must know them first: this looks for `mergeCells` in the inflated bytes (no XML
 * parse of the cells), then reads the `ref`s of what follows. The sheet's part is inflated twice;
 * that costs a fraction of parsing it once.
 */
export async function readMergedRanges(chunks: AsyncIterable<Buffer>): Promise<CellRange[]> {
  let tail = Buffer.alloc(0);
  let found: Buffer[] | undefined;
  for await (const chunk of chunks) {
    if (found) {
      found.push(chunk);
      continue;
    }
    const window = Buffer.concat([tail, chunk]);
    const at = window.indexOf(MERGE_CELLS);
    if (at !== -1) found = [window.subarray(at)];
    else tail = window.subarray(Math.max(0, window.length - MERGE_CELLS.length));
  }
  if (!found) return [];
  const ranges: CellRange[] = [];
  for (const m of Buffer.concat(found).toString('utf8').matchAll(REF)) {
    const first = cellReference(m[1]!);
    const last = m[2] ? cellReference(m[2]) : first;
    if (!first || !last) continue;
    ranges.push({ firstRow: first.row, firstColumn: first.column, lastRow: last.row, lastColumn: last.column });
  }
  return ranges.sort((a, b) => a.firstRow - b.firstRow);
}

/**
 * Answers, row by row in ascending order, whether a cell lies in a merged range other than in
 * its top-left cell, where Excel keeps the merged value: the others may still hold values from
 * before the merge, which Excel neither shows nor keeps.
 */
export class MergedCells {
  private next = 0;
  private active: CellRange[] = [];

  constructor(private readonly ranges: CellRange[]) {}

  get any(): boolean {
    return this.ranges.length > 0;
  }

  startRow(row: number): void {
    this.active = this.active.filter((r) => r.lastRow >= row);
    while (this.next < this.ranges.length && this.ranges[this.next]!.firstRow <= row) {
      const r = this.ranges[this.next++]!;
      if (r.lastRow >= row) this.active.push(r);
    }
  }

  hidden(row: number, column: number): boolean {
    for (const r of this.active) {
      if (column >= r.firstColumn && column <= r.lastColumn && (row !== r.firstRow || column !== r.firstColumn)) return true;
    }
    return false;
  }
}
