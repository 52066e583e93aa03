import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMPORT_LIMITS } from '../../src/shared/config.js';
import { CsvOptions } from '../../src/shared/contract.js';
import { ImportError } from '../../src/shared/errors.js';
import { createStorage, type Storage } from '../../src/shared/storage.js';
import { importCsv, type ImportJob } from '../../src/worker/import-csv/import-csv.js';
import { s3Source } from '../../src/worker/import-csv/sources/s3-source.js';
import { readRows } from '../helpers/read-list.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../helpers/test-db.js';

const IDLE_MS = 300;
const LIMITS = { ...DEFAULT_IMPORT_LIMITS, MAX_FILE_SIZE: 256 * 1024 };
// About 150 KB: past the 64 KiB detection sample, so faults at 100 KB hit while rows are copied.
const FILE = Buffer.from('id,name\n'.concat(Array.from({ length: 10_000 }, (_, i) => `${i},name ${i}\n`).join('')));

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

const job = (): ImportJob => ({ jobId: `job-${randomUUID()}`, list: { name: 'people' }, csv: CsvOptions.parse({}), invalidRows: 'fail' });

function run(key: string, j: ImportJob) {
  return importCsv(j, {
    db: database.db,
    pool: database.pool,
    source: s3Source(storage, key, { maxBytes: LIMITS.MAX_FILE_SIZE }),
    limits: LIMITS,
    log: silentLogger,
    idleTimeoutMs: IDLE_MS,
  });
}

async function listCount(jobId: string): Promise<number> {
  const { rows } = await database.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
  return (rows[0] as { n: number }).n;
}

describe('importing from the S3 stand-in', () => {
  it('imports every row of an object streamed from storage', async () => {
    await s3.storage.put('import/ok.csv', FILE);
    const result = await run('import/ok.csv', job());
    expect(result.rows).toBe(10_000);
  });

  it('fails a stalled download as STORAGE_STALLED and leaves no list behind', async () => {
    await s3.storage.put('import/stall.csv', FILE);
    s3.faults.set('import/stall.csv', { kind: 'stall', afterBytes: 100_000 });
    const j = job();
    const err = await run('import/stall.csv', j).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).code).toBe('STORAGE_STALLED');
    expect(await listCount(j.jobId)).toBe(0);
  });

  it('fails a download reset mid-copy as STORAGE_UNAVAILABLE and leaves no list behind', async () => {
    await s3.storage.put('import/reset.csv', FILE);
    s3.faults.set('import/reset.csv', { kind: 'reset', afterBytes: 100_000 });
    const j = job();
    const err = await run('import/reset.csv', j).catch((e: unknown) => e);
    expect((err as ImportError).code).toBe('STORAGE_UNAVAILABLE');
    expect((err as ImportError).message).toContain('import/reset.csv');
    expect(await listCount(j.jobId)).toBe(0);
  });

  it('refuses a file over MAX_FILE_SIZE even when the store under-reports its length', async () => {
    const big = Buffer.concat([FILE, FILE]);
    expect(big.length).toBeGreaterThan(LIMITS.MAX_FILE_SIZE);
    await s3.storage.put('import/liar.csv', big);
    s3.faults.set('import/liar.csv', { kind: 'shortLength', contentLength: 1_000 });
    const j = job();
    const err = await run('import/liar.csv', j).catch((e: unknown) => e);
    expect((err as ImportError).code).toBe('FILE_TOO_LARGE');
    expect(await listCount(j.jobId)).toBe(0);
  });

  it('fails a body that ends cleanly before HEAD\'s size as STORAGE_SHORT_READ (retried), never a short list', async () => {
    await s3.storage.put('import/truncated.csv', FILE);
    s3.faults.set('import/truncated.csv', { kind: 'truncate', afterBytes: 100_000 });
    const j = job();
    const err = await run('import/truncated.csv', j).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_SHORT_READ', retryable: true });
    expect((err as ImportError).message).toContain(`ended after 100000 of its ${FILE.length} bytes`);
    expect(await listCount(j.jobId)).toBe(0);
  });

  it('fails as SOURCE_CHANGED (retried) when the object is replaced between HEAD and GET', async () => {
    await s3.storage.put('import/replaced.csv', FILE);
    s3.faults.set('import/replaced.csv', { kind: 'replace', method: 'HEAD', body: 'id,name\n1,someone else\n' });
    const j = job();
    const err = await run('import/replaced.csv', j).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_CHANGED', retryable: true });
    expect(await listCount(j.jobId)).toBe(0);
  });

  it('reads the same version in a re-plan pass: an object replaced after the first pass is SOURCE_CHANGED, not a list of two files', async () => {
    // Inferred json from the first 1,000 rows, contradicted later: the file is read a second time.
    const rows = Array.from({ length: 1_500 }, (_, i) => `${i},${i === 1_200 ? 'plain text' : `"{""n"":${i}}"`}`);
    const first = `id,payload\n${rows.join('\n')}\n`;
    const second = `id,payload\n${Array.from({ length: 10 }, (_, i) => `${i},"{""other"":${i}}"`).join('\n')}\n`;
    await s3.storage.put('import/replan-replaced.csv', first);
    const requestsBefore = s3.faults.hits('import/replan-replaced.csv');
    // The new version lands while the first pass is reading the old one.
    s3.faults.set('import/replan-replaced.csv', { kind: 'replace', method: 'GET', body: second, times: 1 });
    const j = job();
    const err = await run('import/replan-replaced.csv', j).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_CHANGED', retryable: true });
    expect(await listCount(j.jobId)).toBe(0);
    // HEAD once, then two GETs of the pinned version: the second refused.
    expect(s3.faults.hits('import/replan-replaced.csv') - requestsBefore).toBe(3);
  });
});

it('reads a workbook from storage by its bytes, whatever its key says, and the sheet the job names', async () => {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Summary').addRow(['Total']);
  const sheet = workbook.addWorksheet('Contacts');
  sheet.addRow(['Email', 'Since']);
  sheet.addRow(['ann@example.com', new Date(Date.UTC(2023, 4, 17))]);
  sheet.getCell('B2').numFmt = 'dd/mm/yyyy';
  await s3.storage.put('uploads/contacts.csv', Buffer.from(await workbook.xlsx.writeBuffer()));
  const result = await run('uploads/contacts.csv', { ...job(), csv: CsvOptions.parse({ sheet: 'Contacts' }) });
  expect((await readRows(database.pool, result.listId)).map((r) => r.data)).toEqual([{ email: 'ann@example.com', since: '2023-05-17' }]);
});
