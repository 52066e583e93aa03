import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../../src/shared/contract.js';
import { rejectedRowsKey } from '../../../src/worker/import-csv/sinks/rejected-rows.js';
import { compressedWith, executable, gzipCommand, gzipZlib, images, officeFiles, removeMadeFiles, zipOf } from '../../helpers/made-files.js';
import { readRows } from '../../helpers/read-list.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../../helpers/service.js';
import { createTempDir } from '../../helpers/temp-csv.js';

/**
 * What the file is (DESIGN §5.6), through the import-file command and through the service (the
 * webhook, the worker, the S3 stand-in), on files real programs wrote during this run: only text
 * becomes a list, even with invalidRows "skip"; nothing else leaves a list or a report behind.
 */

const CSV = 'name,city\nAnn,Oslo\nBo,Rome\nCy,Lima\n';
const ROWS = [{ name: 'Ann', city: 'Oslo' }, { name: 'Bo', city: 'Rome' }, { name: 'Cy', city: 'Lima' }];

interface Refused {
  file: string;
  bytes: Buffer;
  fileType: string;
  /** The message after the file's name. */
  message: RegExp;
}

interface Accepted {
  file: string;
  bytes: Buffer;
  compression?: string;
}

const refused: Refused[] = [];
const accepted: Accepted[] = [];
const temp = createTempDir();
let service: TestService;
const run = promisify(execFile);

beforeAll(async () => {
  const [office, pictures] = await Promise.all([officeFiles(CSV, ['xls', 'ods', 'pdf', 'docx', 'html', 'xml', 'fods']), images(), startService().then((s) => (service = s))]);
  const text = Buffer.from(`name,city\n${'Ann,Oslo\nBo,Rome\nCy,Lima\n'.repeat(50)}`);
  refused.push(
    { file: 'old.xls', bytes: office.xls, fileType: 'xls', message: /^This is an Excel 97–2003 workbook \(\.xls\)\. Save it as \.xlsx or CSV and upload it again\.$/ },
    { file: 'sheet.ods', bytes: office.ods, fileType: 'ods', message: /^This is an OpenDocument spreadsheet \(\.ods\)\. Save it as \.xlsx or CSV/ },
    // Markup that spreadsheet users meet under spreadsheet names: a web page "exported to Excel",
    // Excel 2003's XML spreadsheet, OpenDocument's flat XML.
    { file: 'export.xls', bytes: office.html, fileType: 'html', message: /^This is a web page \(HTML\), not a spreadsheet file\. Open it in a spreadsheet program and save it as \.xlsx or CSV/ },
    { file: 'sheet.xml', bytes: office.xml, fileType: 'xml', message: /^This is an Excel 2003 XML spreadsheet\. Open it in a spreadsheet program and save it as \.xlsx or CSV/ },
    { file: 'sheet.fods', bytes: office.fods, fileType: 'ods', message: /^This is an OpenDocument spreadsheet saved as flat XML \(\.fods\)\. Save it as \.xlsx or CSV and upload it again\.$/ },
    { file: 'table.pdf', bytes: office.pdf, fileType: 'pdf', message: /^This is a PDF document\. Export the table as CSV or \.xlsx/ },
    { file: 'letter.docx', bytes: office.docx, fileType: 'docx', message: /^This is a Word document \(\.docx\)\. Copy the table into a spreadsheet/ },
    // The PNG as users upload it: renamed to .csv.
    { file: 'photo.csv', bytes: pictures.png, fileType: 'png', message: /^This is a PNG image\. Upload the table itself as a CSV or \.xlsx file, not a picture of it\.$/ },
    { file: 'photo.jpg', bytes: pictures.jpeg, fileType: 'jpeg', message: /^This is a JPEG image\./ },
    { file: 'anim.gif', bytes: pictures.gif, fileType: 'gif', message: /^This is a GIF image\./ },
    { file: 'pic.webp', bytes: pictures.webp, fileType: 'webp', message: /^This is a WebP image\./ },
    { file: 'scan.tiff', bytes: pictures.tiff, fileType: 'tiff', message: /^This is a TIFF image\./ },
    { file: 'paint.bmp', bytes: pictures.bmp, fileType: 'bmp', message: /^This is a BMP image\./ },
    { file: 'phone.csv', bytes: pictures.heic, fileType: 'heic', message: /^This is a HEIC or AVIF photo\./ },
    { file: 'program.csv', bytes: executable(), fileType: 'executable', message: /^This is a program \(a (Linux|macOS) executable\)\. Upload the CSV or \.xlsx file itself\.$/ },
    { file: 'data.csv.xz', bytes: compressedWith('xz', CSV), fileType: 'xz', message: /^This is an xz-compressed file\. Unpack it and upload the CSV file inside/ },
    { file: 'data.csv.bz2', bytes: compressedWith('bzip2', CSV), fileType: 'bzip2', message: /^This is a bzip2-compressed file\./ },
    { file: 'data.csv.zst', bytes: compressedWith('zstd', CSV), fileType: 'zstd', message: /^This is a Zstandard-compressed file\./ },
    { file: 'two.zip', bytes: zipOf({ 'a.csv': CSV, 'b.csv': CSV }), fileType: 'zip', message: /^This is a zip archive holding 2 files \("a\.csv", "b\.csv"\), not one \.csv, \.tsv or \.txt file\. Upload the CSV file itself/ },
    { file: 'report.zip', bytes: zipOf({ 'report.pdf': office.pdf }), fileType: 'zip', message: /^This is a zip archive holding one file, "report\.pdf", which is not a \.csv, \.tsv or \.txt file\./ },
    { file: 'renamed.zip', bytes: zipOf({ 'data.csv': pictures.png }), fileType: 'png', message: /^This is a zip archive whose "data\.csv" is a PNG image\./ },
    { file: 'photo.csv.gz', bytes: gzipCommand(pictures.png), fileType: 'png', message: /^This is a gzip file holding a PNG image\./ },
    { file: 'twice.csv.gz.gz', bytes: gzipZlib(gzipZlib(CSV)), fileType: 'gzip', message: /^This is a gzip file holding another compressed \(gzip\) file\. Upload the CSV file itself, compressed once at most\.$/ },
    { file: 'noise.csv', bytes: Buffer.concat([Buffer.from('id,value\n'), office.xls.subarray(512)]), fileType: 'binary', message: /^This is not a text file: its first \d+ bytes hold \d+ bytes that text never has \(the first at byte \d+\)\. Save the table as CSV/ },
  );
  accepted.push(
    { file: 'plain.csv', bytes: text },
    { file: 'by-gzip.csv.gz', bytes: gzipCommand(text), compression: 'gzip' },
    { file: 'by-zlib.csv.gz', bytes: gzipZlib(text), compression: 'gzip' },
    { file: 'export.zip', bytes: zipOf({ 'export/data.csv': text, '__MACOSX/export/._data.csv': Buffer.from([0, 5, 22, 7, 0, 2, 0, 0]) }), compression: 'zip' },
  );
}, 300_000);

afterAll(async () => {
  await service?.stop();
  temp.remove();
  removeMadeFiles();
});

async function cli(path: string, args: string[] = []): Promise<{ code: number; out: Record<string, any> }> {
  const env = { ...process.env, DATABASE_URL: service.db.url, LOG_LEVEL: 'silent' };
  const outcome = await run(process.execPath, ['--import', 'tsx', 'src/worker/import-file.ts', path, ...args], { env }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  return { code: outcome.code, out: JSON.parse(outcome.stdout.trim().split('\n').at(-1)!) };
}

/** A few command runs at a time: each is a process of its own, and the machine is shared. */
async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>, size = 4): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function listsOf(jobId: string): Promise<number> {
  const { rows } = await service.db.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
  return (rows[0] as { n: number }).n;
}

async function viaService(file: string, bytes: Buffer, extra: Parameters<typeof importRequest>[2] = {}): Promise<{ jobId: string; doc: StatusDocument }> {
  const jobId = uniqueJobId('filetype');
  const key = `uploads/${jobId}/${file}`;
  await service.s3.storage.put(key, bytes);
  const answer = await service.deliver(importRequest(jobId, key, extra));
  expect(answer.status).toBe(202);
  return { jobId, doc: await service.waitForState(jobId, ['succeeded', 'failed'], 60_000) };
}

describe('a file that is not text', () => {
  it('is refused by the import-file command with its file type, even with --skip-invalid-rows, and no report is written', async () => {
    await inBatches(refused, async (c) => {
      const path = temp.write(c.bytes, c.file);
      const report = join(temp.dir, `${c.file}.rejected.csv`);
      const jobId = uniqueJobId('cli');
      const { code, out } = await cli(path, ['--skip-invalid-rows', '--rejected-rows', report, '--job-id', jobId]);
      expect(code, c.file).toBe(1);
      expect(out.error, c.file).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', fileType: c.fileType, retryable: false });
      expect(out.error.message.slice(`"${path}": `.length), c.file).toMatch(c.message);
      expect(out.preview, c.file).toBeUndefined();
      expect(existsSync(report), c.file).toBe(false);
      expect(await listsOf(jobId), c.file).toBe(0);
    });
  }, 300_000);

  it('fails its job through the service with the file type, even with invalidRows "skip", and no report is written', async () => {
    const outcomes = await Promise.all(refused.map(async (c) => ({ c, ...(await viaService(c.file, c.bytes, { invalidRows: 'skip' })) })));
    for (const { c, jobId, doc } of outcomes) {
      expect(doc.state, c.file).toBe('failed');
      expect(doc.error, c.file).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', fileType: c.fileType, retryable: false });
      expect(doc.error!.message, c.file).toMatch(new RegExp(`^"uploads/${jobId}/${c.file.replace(/\./g, '\\.')}": `));
      expect(doc.error!.message.replace(/^"[^"]+": /, ''), c.file).toMatch(c.message);
      expect(doc.preview, c.file).toBeUndefined();
      expect(doc.attempt, c.file).toBe(1);
      await expect(service.s3.storage.head(rejectedRowsKey('rejected/', jobId, 1)), c.file).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
      expect(await listsOf(jobId), c.file).toBe(0);
    }
  }, 300_000);
});

describe('a compressed CSV', () => {
  it('is read as the file it holds by the import-file command, with fileType and compression in the result and the preview', async () => {
    for (const c of accepted) {
      const { code, out } = await cli(temp.write(c.bytes, c.file));
      expect(code, c.file).toBe(0);
      expect(out, c.file).toMatchObject({ rows: 150, fileType: 'csv', encoding: 'utf-8', delimiter: ',' });
      expect(out.compression, c.file).toBe(c.compression);
      expect(out.preview, c.file).toMatchObject({ fileType: 'csv', header: ['name', 'city'] });
      expect(out.preview.compression, c.file).toBe(c.compression);
      expect((await readRows(service.db.pool, out.listId)).slice(0, 3).map((r) => r.data), c.file).toEqual(ROWS);
    }
  }, 120_000);

  it('is read as the file it holds through the service, progress counting the stored bytes', async () => {
    const outcomes = await Promise.all(accepted.map(async (c) => ({ c, ...(await viaService(c.file, c.bytes)) })));
    for (const { c, doc } of outcomes) {
      expect(doc.state, c.file).toBe('succeeded');
      expect(doc.result, c.file).toMatchObject({ rows: 150, fileType: 'csv' });
      expect(doc.result!.compression, c.file).toBe(c.compression);
      expect(doc.preview, c.file).toMatchObject({ fileType: 'csv', sampleRows: expect.arrayContaining(ROWS) });
      expect(doc.progress, c.file).toMatchObject({ bytes: c.bytes.length, totalBytes: c.bytes.length, percent: 100 });
      expect((await readRows(service.db.pool, doc.result!.listId)).slice(0, 3).map((r) => r.data), c.file).toEqual(ROWS);
    }
  }, 120_000);

  it('fails a gzip stream cut short as CSV_MALFORMED, never a list of the rows before the cut', async () => {
    const whole = gzipCommand(CSV.repeat(20_000));
    const cut = whole.subarray(0, Math.floor(whole.length * 0.8));
    const { jobId, doc } = await viaService('cut.csv.gz', cut, { invalidRows: 'skip' });
    expect(doc.state).toBe('failed');
    expect(doc.error).toMatchObject({ code: 'CSV_MALFORMED', message: expect.stringContaining('cut.csv.gz": the gzip file is cut short: it ends before its compressed data does') });
    expect(await listsOf(jobId)).toBe(0);
    const { code, out } = await cli(temp.write(cut, 'cut.csv.gz'), ['--skip-invalid-rows']);
    expect(code).toBe(1);
    expect(out.error).toMatchObject({ code: 'CSV_MALFORMED', message: expect.stringContaining('the gzip file is cut short') });
  }, 120_000);
});
