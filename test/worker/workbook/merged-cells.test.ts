import { describe, expect, it } from 'vitest';
import { MergedCells, readMergedRanges } from '../../../src/worker/import-csv/sources/workbook/merged-cells.js';

async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const SHEET =
  '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>see mergeCells ref="A1:Z9"</t></is></c>' +
  '<c r="B1"><f t="shared" ref="B1:B5" si="0">A1</f><v>1</v></c></row></sheetData>' +
  '<x:mergeCells count="2"><x:mergeCell ref="A3:C4"/><x:mergeCell ref="D7:D9"/></x:mergeCells>' +
  '<hyperlinks><hyperlink ref="E1:F2"/></hyperlinks></worksheet>';

describe('readMergedRanges', () => {
  it('finds the mergeCells element, not text or other elements that mention ranges, however the bytes are cut', async () => {
    for (const size of [7, 64, 4096]) {
      expect(await readMergedRanges(chunked(SHEET, size))).toEqual([
        { firstRow: 3, firstColumn: 1, lastRow: 4, lastColumn: 3 },
        { firstRow: 7, firstColumn: 4, lastRow: 9, lastColumn: 4 },
      ]);
    }
  });

  it('hides every cell of a range but its top-left one', async () => {
    const merged = new MergedCells(await readMergedRanges(chunked(SHEET, 4096)));
    merged.startRow(3);
    expect([1, 2, 3, 4].map((c) => merged.hidden(3, c))).toEqual([false, true, true, false]);
    merged.startRow(4);
    expect(merged.hidden(4, 1)).toBe(true);
    merged.startRow(5);
    expect(merged.hidden(5, 2)).toBe(false);
  });
});
