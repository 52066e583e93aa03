import type { DecodeStats } from '../../encoding/decode.js';
import { SAMPLE_ROWS } from '../../infer-types.js';
import type { SourceRecord } from '../source-record.js';
import type { ZipArchive } from '../zip-archive.js';
import { readDateStyles } from './cell-styles.js';
import { chooseSheet } from './choose-sheet.js';
import { MergedCells, readMergedRanges } from './merged-cells.js';
import { readSharedStrings } from './shared-strings.js';
import { readSheetRecords } from './sheet-records.js';
import { StringTable } from './string-table.js';
import { readWorkbookLayout, type WorkbookArchive } from './workbook-parts.js';
import { damaged } from './xml-parts.js';

/**
 * Shared strings held in memory; the rest wait in a file. A sheet with a new string per row (an
 * e-mail, a note) adds to the table as it grows: in memory, 300,000 such rows held 20 MB more
 * than 100,000 did. Read in order from the file, they cost little (bench, docs/PERFORMANCE.md).
 */
const SHARED_STRINGS_IN_MEMORY = 4 * 1024 * 1024;

export interface WorkbookOptions {
  /** What any one part may inflate to (MAX_INFLATED_BYTES). */
  maxPartBytes: number;
  /** `csv.sheet`: a name or a 1-based position. */
  sheet?: string | number;
  /** Sheet rows before the header (`csv.skipRows`): a title above the table. */
  skipRows: number;
  maxColumns: number;
  maxRecordBytes: number;
  maxSharedStringsBytes: number;
}

export interface OpenedWorkbook {
  /** Every sheet's name, in the workbook's order (the preview's `sheets`). */
  sheets: string[];
  /** The sheet being read. */
  sheet: string;
  /** The sheet's inflated size, for progress. */
  partBytes: number;
  /** The sheet's records; `onInflated` hears how many of its bytes were inflated so far. */
  records(stats: DecodeStats, onInflated?: (bytes: number) => void): AsyncGenerator<SourceRecord[]>;
}

/**
 * A workbook's chosen sheet as a stream of records. What the cells need first (sheets, date
 * styles, the shared strings, the merged ranges) is read here, before the first row.
 */
export async function openWorkbook(zip: ZipArchive, options: WorkbookOptions): Promise<OpenedWorkbook> {
  const archive = partsOf(zip, options.maxPartBytes);
  const layout = await readWorkbookLayout(archive);
  const chosen = chooseSheet(layout.sheets, options.sheet);
  const part = chosen.part!;
  if (!archive.has(part)) throw damaged(part, 'it is missing');
  const dateStyles = await readDateStyles(archive, layout.styles);
  const sharedStrings = new StringTable({ spillPath: zip.scratchPath('shared-strings'), memoryBytes: SHARED_STRINGS_IN_MEMORY });
  zip.onClose(() => sharedStrings.close());
  // The merged ranges' pass mostly waits on zlib, which inflates off the main thread: it runs
  // while the shared strings are parsed. Both are awaited, so nothing reads a closed archive.
  const [, ranges] = await allSettled([
    readSharedStrings(archive, layout.sharedStrings, options.maxSharedStringsBytes, sharedStrings),
    readMergedRanges(archive.read(part)),
  ] as const);
  const merged = new MergedCells(ranges);
  return {
    sheets: layout.sheets.map((s) => s.name),
    sheet: chosen.name,
    partBytes: zip.find(part)!.size,
    records: (stats, onInflated) =>
      readSheetRecords(archive.read(part, onInflated), {
        sheet: chosen.name, part, sharedStrings, dateStyles, date1904: layout.date1904, merged,
        stats, skipRows: options.skipRows, maxColumns: options.maxColumns, maxRecordBytes: options.maxRecordBytes,
        // Kinds only for the header and the type sample: settle-columns reads no more of them.
        kindRows: SAMPLE_ROWS + 1,
      }),
  };
}

function partsOf(zip: ZipArchive, maxBytes: number): WorkbookArchive {
  return {
    has: (name) => zip.find(name) !== undefined,
    read: (name, onInflated) => zip.read(zip.find(name)!, maxBytes, onInflated),
  };
}

/** Every promise settled, then the first failure thrown: none is left running on its own. */
async function allSettled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
