import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../../src/shared/errors.js';
import { withSpooledFile } from '../../../src/worker/import-csv/sources/spooled-file.js';
import { withZipArchive, type ZipArchive } from '../../../src/worker/import-csv/sources/zip-archive.js';
import { removeMadeFiles, zipOf } from '../../helpers/made-files.js';
import { createTempDir } from '../../helpers/temp-csv.js';

/** The zip access both the file-kind check and the workbook reader use, on archives Info-ZIP's `zip` writes. */

const temp = createTempDir();
afterAll(() => {
  temp.remove();
  removeMadeFiles();
});

async function* chunksOf(bytes: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const open = <T>(bytes: Buffer, fn: (a: ZipArchive) => Promise<T>, maxArchiveBytes = 1 << 20) =>
  withZipArchive(chunksOf(bytes), { maxArchiveBytes, fileName: 'upload.zip' }, fn);

async function text(gen: AsyncGenerator<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

describe('withZipArchive', () => {
  it('lists every entry with its inflated size and reads one entry as it streams', async () => {
    const csv = 'a,b\n'.repeat(5000);
    const bytes = zipOf({ 'export/data.csv': csv, 'export/notes.txt': 'hello' });
    const seen = await open(bytes, async (archive) => ({
      entries: archive.entries.map((e) => ({ name: e.name, size: e.size, directory: e.directory })).sort((a, b) => a.name.localeCompare(b.name)),
      data: await text(archive.read(archive.find('export/data.csv')!, 1 << 20)),
    }));
    expect(seen.entries).toEqual([
      { name: 'export/', size: 0, directory: true },
      { name: 'export/data.csv', size: csv.length, directory: false },
      { name: 'export/notes.txt', size: 5, directory: false },
    ]);
    expect(seen.data).toBe(csv);
  });

  it('refuses an entry that inflates past the bound before inflating it', async () => {
    const bytes = zipOf({ 'big.csv': 'x'.repeat(100_000) });
    const err = await open(bytes, (archive) => text(archive.read(archive.entries[0]!, 50_000))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err).toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringContaining('"big.csv" in this zip archive inflates to more than the limit of 48.8 KiB') });
  });

  it('refuses an archive larger than the spool bound', async () => {
    const bytes = zipOf({ 'a.csv': randomBytes(20_000) });
    const err = await open(bytes, async () => 'opened', 10_000).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FILE_TOO_LARGE', message: 'the file is larger than the limit of 9.8 KiB' });
  });

  it('calls an archive cut short damaged, naming the file', async () => {
    const bytes = zipOf({ 'a.csv': 'a,b\n1,2\n' });
    const err = await open(bytes.subarray(0, bytes.length - 30), async () => 'opened').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CSV_MALFORMED', message: expect.stringMatching(/^this zip archive is damaged or cut short \(.+\)\. Upload "upload.zip" again/) });
  });

  it('calls an entry damaged when it inflates to more or fewer bytes than its directory declares', async () => {
    const csv = 'a,b\n'.repeat(5000);
    /** The archive with its central directory's inflated size of the one entry set to `size`. */
    const declaring = (size: number) => {
      const bytes = Buffer.from(zipOf({ 'a.csv': csv }));
      const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      bytes.writeUInt32LE(size, central + 24);
      return bytes;
    };
    const read = (bytes: Buffer) => open(bytes, (archive) => text(archive.read(archive.find('a.csv')!, 1 << 20))).catch((e: unknown) => e);
    expect(await read(declaring(csv.length))).toBe(csv);
    expect(await read(declaring(csv.length - 10))).toMatchObject({
      code: 'CSV_MALFORMED',
      message: expect.stringContaining(`"a.csv" in this zip archive is damaged or cut short (it holds more than the ${csv.length - 10} bytes its directory declares)`),
    });
    expect(await read(declaring(csv.length + 10))).toMatchObject({
      code: 'CSV_MALFORMED',
      message: expect.stringContaining(`"a.csv" in this zip archive is damaged or cut short (it holds ${csv.length} of the ${csv.length + 10} bytes its directory declares)`),
    });
  });

  it('refuses a password-protected entry', async () => {
    const dir = createTempDir();
    dir.write('a,b\n1,2\n', 'secret.csv');
    const out = join(temp.dir, 'encrypted.zip');
    execFileSync('zip', ['-q', '-P', 'pw', out, 'secret.csv'], { cwd: dir.dir });
    dir.remove();
    const err = await open(readFileSync(out), (archive) => text(archive.read(archive.entries[0]!, 1 << 20))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', fileType: 'zip', message: expect.stringContaining('"secret.csv" in this zip archive is password-protected') });
  });

  it('removes the spooled file however the borrower ends', async () => {
    let seen = '';
    const seenExists = await withSpooledFile(chunksOf(Buffer.from('a\n')), 100, async (path) => ((seen = path), existsSync(path)));
    expect(seenExists).toBe(true);
    expect(existsSync(seen)).toBe(false);
    const err = await withSpooledFile(chunksOf(Buffer.from('a\n')), 100, async (path) => {
      seen = path;
      throw new Error('the borrower failed');
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'the borrower failed' });
    expect(existsSync(seen)).toBe(false);
  });
});
