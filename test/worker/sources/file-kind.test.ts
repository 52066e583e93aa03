import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { fileKindOf, refusedFile, zipKindOf } from '../../../src/worker/import-csv/sources/file-kind.js';
import type { ZipEntry } from '../../../src/worker/import-csv/sources/zip-archive.js';

/** The table of signatures on hand-made first bytes; the real files are in what-the-file-is.int.test.ts. */

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const kindOf = (head: Buffer, declared?: string) => {
  const kind = fileKindOf(head, declared);
  return kind.kind === 'refused' ? kind.fileType : kind.kind;
};

describe('fileKindOf', () => {
  it.each([
    ['7z', bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4], 'rest')],
    ['rar', bytes('Rar!\x1a\x07\x01\x00', 'rest')],
    ['rar', bytes('Rar!\x1a\x07\x00', 'rest')],
    ['executable', bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])],
    ['sqlite', bytes('SQLite format 3\0', [0x10, 0])],
  ])('knows %s from its magic number', (fileType, head) => {
    expect(kindOf(head)).toBe(fileType);
  });

  it('knows a Windows program by the PE header its MZ header points to, and leaves text starting "MZ" alone', () => {
    const exe = Buffer.alloc(0x100);
    exe.write('MZ', 0, 'latin1');
    exe.writeUInt32LE(0x80, 0x3c);
    exe.write('PE\0\0', 0x80, 'latin1');
    expect(kindOf(exe)).toBe('executable');
    expect(kindOf(Buffer.from('MZ,code\nMZ1,Mazda\n'.repeat(10)))).toBe('text');
  });

  it('leaves a CSV whose first cell starts "BM" as text', () => {
    expect(kindOf(Buffer.from('BMW,320d,2019\nBMW,118i,2021\n'))).toBe('text');
  });

  it('keeps a file with a trace of NULs and control characters as text (they are removed and counted later)', () => {
    expect(kindOf(Buffer.from('hello\n\0world\0\n'))).toBe('text');
    expect(kindOf(Buffer.from(`a,b\n${'x,\u0001\u0007\u001b[0m\u007f\n'.repeat(2)}${'plain,row\n'.repeat(200)}`))).toBe('text');
  });

  it('refuses bytes that are not text beyond a trace, naming where the first one is', () => {
    const head = Buffer.concat([Buffer.from('id,name\n'), Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 37) % 256))]);
    const kind = fileKindOf(head);
    expect(kind).toMatchObject({ kind: 'refused', fileType: 'binary' });
    expect(refusedFile(kind as Extract<typeof kind, { kind: 'refused' }>).message).toMatch(/^This is not a text file: its first 408 bytes hold \d+ bytes that text never has \(the first at byte 9\)\. Save the table as CSV/);
  });

  it('reads UTF-16 as text, with a BOM, without one, or declared, though half its bytes are NUL', () => {
    const text = 'name\tcity\nZoë\tKöln\n'.repeat(20);
    expect(kindOf(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]))).toBe('text');
    expect(kindOf(iconv.encode(text, 'utf-16be'))).toBe('text');
    expect(kindOf(iconv.encode('a\n', 'utf-16le'), 'utf-16le')).toBe('text');
    expect(kindOf(iconv.encode('a\n', 'utf-16le'))).toBe('text');
  });
});

describe('markup read as text', () => {
  const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

  it.each([
    ['html', '\ufeff\n  <!DOCTYPE html>\n<html><body><table><tr><td>name</td></tr></table></body></html>'],
    ['html', '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head><body><table>'],
    ['html', '<table border="1"><tr><th>id</th><th>name</th></tr>'],
    ['html', '<!-- saved from url=(0014)about:internet -->\n<html>'],
    ['xml', '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'],
    ['ods', '<?xml version="1.0" encoding="UTF-8"?><office:document office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'],
    ['xml', '<?xml version="1.0" encoding="UTF-8"?>\n<customers><customer id="1"/></customers>'],
  ])('refuses %s that would be read as rows of tags', (fileType, text) => {
    expect(kindOf(Buffer.from(text))).toBe(fileType);
  });

  it('knows a web page in UTF-16 too', () => {
    expect(kindOf(utf16le('<html><body><table><tr><td>a</td></tr></table></body></html>'))).toBe('html');
  });

  it.each([
    ['a header naming tags', '<id>,<name>\n1,Ann\n'],
    ['cells holding markup', 'name,html\nAnn,<html><b>hi</b></html>\n'],
    ['a header that starts like a tag but is not one', '<html5 support>,count\nyes,3\n'],
  ])('leaves a CSV with %s as text', (_, text) => {
    expect(kindOf(Buffer.from(text))).toBe('text');
    expect(kindOf(utf16le(text))).toBe('text');
  });

  it('says what the markup is and what to do', () => {
    const kind = fileKindOf(Buffer.from('<!DOCTYPE html><html>'));
    expect(kind.kind === 'refused' && refusedFile(kind).message).toBe(
      'This is a web page (HTML), not a spreadsheet file. Open it in a spreadsheet program and save it as .xlsx or CSV, or export the table as CSV from where it came.',
    );
  });
});

describe('zipKindOf', () => {
  const entry = (name: string): ZipEntry => ({ name, size: 10, directory: name.endsWith('/') });
  const zip = (...names: string[]) => zipKindOf(names.map(entry));

  it('takes the one text file of an archive, whatever folder and macOS metadata surround it', () => {
    expect(zip('export/', 'export/Data.TSV', '__MACOSX/', '__MACOSX/export/._Data.TSV', 'export/.DS_Store')).toEqual({ kind: 'text', entry: entry('export/Data.TSV') });
  });

  it('names what an archive holds when it is not one text file', () => {
    expect(zip('a.csv', 'b.csv')).toMatchObject({ kind: 'refused', fileType: 'zip', what: 'a zip archive holding 2 files ("a.csv", "b.csv"), not one .csv, .tsv or .txt file' });
    expect(zip('report.pdf')).toMatchObject({ fileType: 'zip', what: 'a zip archive holding one file, "report.pdf", which is not a .csv, .tsv or .txt file' });
    expect(zip('empty/')).toMatchObject({ fileType: 'zip', what: 'a zip archive holding no files' });
    expect(zip(...Array.from({ length: 7 }, (_, i) => `f${i}.csv`))).toMatchObject({ what: expect.stringContaining('"f4.csv" and 2 more)') });
  });

  it('knows Office Open XML files by their parts, and OpenDocument ones by their mimetype', () => {
    expect(zip('[Content_Types].xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml')).toEqual({ kind: 'workbook' });
    expect(zip('[Content_Types].xml', 'xl/workbook.bin')).toMatchObject({ fileType: 'xlsb' });
    expect(zip('[Content_Types].xml', 'ppt/presentation.xml')).toMatchObject({ fileType: 'pptx' });
    expect(zipKindOf(['mimetype', 'content.xml'].map(entry), 'application/vnd.oasis.opendocument.text')).toMatchObject({ fileType: 'odt' });
  });
});
