import { cellReference } from './cell-reference.js';

export interface CellRange {
  firstRow: number;
  firstColumn: number;
  lastRow: number;
  lastColumn: number;
}

const MERGE_CELLS = Buffer.from('mergeCells');
const LT = 0x3c;
const MERGE_CELL = /<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Za-z]+\d+)(?::([A-Za-z]+\d+))?["']/g;

/**
 * The sheet's merged ranges. They follow the cells in the sheet's XML, so a reader that streams
 * the cells must know them first: this looks for the `<mergeCells>` element in the inflated bytes
 * (no XML parse of the cells; text holds no raw `<`, so a cell saying "mergeCells" is not it),
 * then reads the `ref` of each `<mergeCell>` inside it. The sheet's part is inflated twice; that
 * costs a fraction of parsing it once.
 */
export async function readMergedRanges(chunks: AsyncIterable<Buffer>): Promise<CellRange[]> {
  let window = Buffer.alloc(0);
  let found: Buffer[] | undefined;
  for await (const chunk of chunks) {
    if (found) {
      found.push(chunk);
      if (chunk.includes(MERGE_CELLS)) break;
      continue;
    }
    window = Buffer.concat([window, chunk]);
    const at = openingTag(window);
    if (at !== -1) {
      found = [window.subarray(at)];
      if (window.indexOf(MERGE_CELLS, at + 1 + MERGE_CELLS.length) !== -1) break;
    } else window = window.subarray(Math.max(0, window.length - 64));
  }
  if (!found) return [];
  const text = Buffer.concat(found).toString('utf8');
  const block = text.slice(0, text.indexOf('mergeCells', 1 + 'mergeCells'.length) + 1 || undefined);
  const ranges: CellRange[] = [];
  for (const m of block.matchAll(MERGE_CELL)) {
    const first = cellReference(m[1]!);
    const last = m[2] ? cellReference(m[2]) : first;
    if (!first || !last) continue;
    ranges.push({ firstRow: first.row, firstColumn: first.column, lastRow: last.row, lastColumn: last.column });
  }
  return ranges.sort((a, b) => a.firstRow - b.firstRow);
}

/** Where `<mergeCells` (or `<x:mergeCells`) starts in the bytes, or -1. */
function openingTag(bytes: Buffer): number {
  for (let at = bytes.indexOf(MERGE_CELLS); at !== -1; at = bytes.indexOf(MERGE_CELLS, at + 1)) {
    let tag = at - 1;
    if (bytes[tag] === 0x3a) while (tag > 0 && isNameByte(bytes[tag - 1]!)) tag--;
    if (bytes[tag === at - 1 ? tag : tag - 1] === LT) return tag === at - 1 ? tag : tag - 1;
  }
  return -1;
}

const isNameByte = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2d || b === 0x2e;

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
