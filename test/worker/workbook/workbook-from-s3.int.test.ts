import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_IMPORT_LIMITS } from '../../../src/shared/config.js';
import { CsvOptions } from '../../../src/shared/contract.js';
import { createStorage, type Storage } from '../../../src/shared/storage.js';
import { importCsv } from '../../../src/worker/import-csv/import-csv.js';
import { s3Source } from '../../../src/worker/import-csv/sources/s3-source.js';
import { readRows } from '../../helpers/read-list.js';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../../helpers/test-db.js';

let s3: S3TestServer;
let storage: Storage;
let database: TestDatabase;

beforeAll(async () => {
  [s3, database] = await Promise.all([startS3Server(), createTestDatabase()]);
  storage = createStorage(s3.config, { maxAttempts: 1 });
});

afterAll(async () => {
  storage?.close();
  await Promise.all([s3?.stop(), database?.drop()]);
});

it('reads a workbook from storage by its bytes, whatever its key says, and the sheet the job names', async () => {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Summary').addRow(['Total']);
  const sheet = workbook.addWorksheet('Contacts');
  sheet.addRow(['Email', 'Since']);
  sheet.addRow(['ann@example.com', new Date(Date.UTC(2023, 4, 17))]);
  sheet.getCell('B2').numFmt = 'dd/mm/yyyy';
  await s3.storage.put('uploads/contacts.csv', Buffer.from(await workbook.xlsx.writeBuffer()));

  const result = await importCsv(
    { jobId: `job-${randomUUID()}`, list: { name: 'contacts' }, csv: CsvOptions.parse({ sheet: 'Contacts' }), invalidRows: 'fail' },
    { db: database.db, pool: database.pool, source: s3Source(storage, 'uploads/contacts.csv'), limits: DEFAULT_IMPORT_LIMITS, log: silentLogger },
  );
  expect((await readRows(database.pool, result.listId)).map((r) => r.data)).toEqual([{ email: 'ann@example.com', since: '2023-05-17' }]);
});
