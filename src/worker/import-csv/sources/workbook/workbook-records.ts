import { pipeline } from 'node:stream/promises';
import type { ImportLimits } from '../../../../shared/config.js';
import type { RecordInput } from '../source-record.js';
import { withZipArchive, type ZipArchive } from '../zip-archive.js';
import { openWorkbook } from './open-workbook.js';

const ZIP_LOCAL_HEADER = Buffer.from('PK\x03\x04', 'latin1');

/** A zip archive's first bytes; an Office Open XML workbook is one. */
export const isZipArchive = (sample: Buffer) => sample.subarray(0, 4).equals(ZIP_LOCAL_HEADER);

export interface WorkbookInputOptions {
  fileName: string;
  sheet: string | number | undefined;
  skipRows: number;
  limits: ImportLimits;
  /** The stored object's size: progress is the part of it the sheet read so far stands for. */
  totalBytes: number;
  signal: AbortSignal | undefined;
}

/**
 * Lends out a workbook's chosen sheet as the records of an import (DESIGN §5.7). The stored
 * object is spooled to a temporary file first: a zip is read from its central directory at the
 * end, and a local file lets each part be inflated as it is needed (the sheet twice, for its
 * merged ranges) without a request per part to the bucket.
 */
export async function withWorkbookRecords<T>(chunks: AsyncIterable<Buffer>, options: WorkbookInputOptions, fn: (input: RecordInput) => Promise<T>): Promise<T> {
  return withZipArchive(chunks, { maxArchiveBytes: options.limits.MAX_FILE_SIZE, fileName: options.fileName }, async (zip) =>
    fn(await workbookRecords(zip, options)));
}

/** The records of an open workbook archive's chosen sheet: what is known before the first row is read, and how the rows stream. */
export async function workbookRecords(zip: ZipArchive, options: Omit<WorkbookInputOptions, 'fileName'>): Promise<RecordInput> {
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
    detected: { encoding: 'utf-8', encodingConfidence: 1, delimiter: ',' },
    preview: { sheet: workbook.sheet, sheets: workbook.sheets },
    leadingLines: options.skipRows,
    csvOptions: undefined,
    decodeStats,
    bytes: () => Math.round(options.totalBytes * Math.min(1, inflated / Math.max(1, workbook.partBytes))),
    feed: (rows, out) => pipeline(workbook.records(decodeStats, (n) => (inflated = n)), rows, out, { signal: options.signal }),
  };
}
