import { pipeline } from 'node:stream/promises';
import type { ImportLimits } from '../../../../shared/config.js';
import type { RecordInput } from '../source-record.js';
import type { ZipArchive } from '../zip-archive.js';
import { openWorkbook } from './open-workbook.js';

export interface WorkbookInputOptions {
  sheet: string | number | undefined;
  skipRows: number;
  limits: ImportLimits;
  /** The stored object's size: progress is the part of it the sheet read so far stands for. */
  totalBytes: number;
  signal: AbortSignal | undefined;
}

/**
 * The records of a workbook's chosen sheet (DESIGN §5.7), from the archive the file-kind check
 * opened (spooled: a zip is read from its central directory at its end, and a local file lets
 * each part be inflated as it is needed, the sheet twice for its merged ranges, without a
 * request per part to the bucket): what is known before the first row, and how the rows stream.
 */
export async function workbookRecords(zip: ZipArchive, options: WorkbookInputOptions): Promise<RecordInput> {
  const { limits } = options;
  const workbook = await openWorkbook(zip, {
    sheet: options.sheet,
    skipRows: options.skipRows,
    maxPartBytes: limits.MAX_INFLATED_BYTES,
    maxColumns: limits.MAX_COLUMNS,
    maxRecordBytes: limits.MAX_RECORD_BYTES,
    maxSharedStringsBytes: limits.MAX_SHARED_STRINGS_BYTES,
  });
  let inflated = 0;
  const decodeStats = { sawNul: false };
  return {
    // The parts are UTF-8 XML; a report of rejected rows is written comma-separated.
    detected: { fileType: 'xlsx', encoding: 'utf-8', encodingConfidence: 1, delimiter: ',' },
    preview: { sheet: workbook.sheet, sheets: workbook.sheets },
    leadingLines: options.skipRows,
    csvOptions: undefined,
    decodeStats,
    bytes: () => Math.round(options.totalBytes * Math.min(1, inflated / Math.max(1, workbook.partBytes))),
    feed: (rows, out) => pipeline(workbook.records(decodeStats, (n) => (inflated = n)), rows, out, { signal: options.signal }),
  };
}
