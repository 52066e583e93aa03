import type { SourceRecord } from '../source-record.js';
import { readDateStyles } from './cell-styles.js';
import { chooseSheet } from './choose-sheet.js';
import { MergedCells, readMergedRanges } from './merged-cells.js';
import { readSharedStrings } from './shared-strings.js';
import { readSheetRecords } from './sheet-records.js';
import { readWorkbookLayout, type WorkbookArchive } from './workbook-parts.js';
import { damaged } from './xml-parts.js';

export interface WorkbookOptions {
  /** `csv.sheet`: a name or a 1-based position. */
  sheet?: string | number;
  maxColumns: number;
  maxRecordBytes: number;
  maxSharedStringsBytes: number;
}

export interface OpenedWorkbook {
  /** Every sheet's name, in the workbook's order (the preview's `sheets`). */
  sheets: string[];
  /** The sheet being read. */
  sheet: string;
  /** The sheet's archive entry, for progress through the stored object. */
  part: string;
  records(): AsyncGenerator<SourceRecord[]>;
}

/**
 * A workbook's chosen sheet as a stream of records. What the cells need first (sheets, date
 * styles, the shared strings, the merged ranges) is read here, before the first row.
 */
export async function openWorkbook(archive: WorkbookArchive, options: WorkbookOptions): Promise<OpenedWorkbook> {
  const layout = await readWorkbookLayout(archive);
  const chosen = chooseSheet(layout.sheets, options.sheet);
  const part = chosen.part!;
  if (!archive.has(part)) throw damaged(part, 'it is missing');
  const dateStyles = await readDateStyles(archive, layout.styles);
  const sharedStrings = await readSharedStrings(archive, layout.sharedStrings, options.maxSharedStringsBytes);
  const merged = new MergedCells(await readMergedRanges(archive.read(part)));
  return {
    sheets: layout.sheets.map((s) => s.name),
    sheet: chosen.name,
    part,
    records: () =>
      readSheetRecords(archive.read(part), {
        sheet: chosen.name, part, sharedStrings, dateStyles, date1904: layout.date1904, merged,
        maxColumns: options.maxColumns, maxRecordBytes: options.maxRecordBytes,
      }),
  };
}
