import { createReadStream } from 'node:fs';
import { DEFAULT_IMPORT_LIMITS as limits } from '../../dist/shared/config.js';
import { openWorkbook } from '../../dist/worker/import-csv/sources/workbook/open-workbook.js';
import { withZipArchive } from '../../dist/worker/import-csv/sources/zip-archive.js';

// Our reader alone, built (npm run build), as the import drives it: spooled, then the sheet's records; no database.
const path = process.argv[2];
const rows = await withZipArchive(createReadStream(path), { maxArchiveBytes: limits.MAX_FILE_SIZE, fileName: path }, async (zip) => {
  const workbook = await openWorkbook(zip, {
    skipRows: 0, maxPartBytes: limits.MAX_INFLATED_BYTES, maxColumns: limits.MAX_COLUMNS,
    maxRecordBytes: limits.MAX_RECORD_BYTES, maxSharedStringsBytes: limits.MAX_SHARED_STRINGS_BYTES,
  });
  let n = 0;
  for await (const batch of workbook.records({ sawNul: false })) n += batch.length;
  return n;
});
process.stdout.write(`${JSON.stringify({ rows })}\n`);
