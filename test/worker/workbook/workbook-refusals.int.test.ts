import { readFileSync, writeFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import XlsxPopulate from 'xlsx-populate';
import { describe, expect, it } from 'vitest';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { countAll } from '../../helpers/read-list.js';
import { TEST_LIMITS, importError, importFile, importJob } from '../../helpers/run-import.js';
import { python } from '../../helpers/workbook-writers.js';

const fixture = useEngineFixture();

async function smallWorkbook(name: string, rows: unknown[][] = [['Name', 'N'], ['a', 1]]): Promise<string> {
  const path = `${fixture.temp.dir}/${name}.xlsx`;
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Data');
  for (const row of rows) sheet.addRow(row);
  await workbook.xlsx.writeFile(path);
  return path;
}

/** Python's zipfile writes a copy of the workbook with one entry's bytes produced by `body` (Python, writing to `out`). */
async function withEntry(source: string, target: string, entry: string, body: string): Promise<void> {
  await python(`
import sys, zipfile
src, dst, entry = sys.argv[1:4]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if item.filename != entry:
            zout.writestr(item, zin.read(item.filename))
    with zout.open(entry, 'w', force_zip64=True) as out:
${body.trim().split('\n').map((l) => `        ${l}`).join('\n')}
`, [source, target, entry]);
}

const limits = (overrides: Partial<typeof TEST_LIMITS>) => ({ limits: { ...TEST_LIMITS, ...overrides } });

describe('workbooks that are refused', () => {
  it('fails a zip bomb (a sheet inflating far past MAX_INFLATED_BYTES) as FILE_TOO_LARGE within seconds, in flat memory', async () => {
    const bomb = `${fixture.temp.dir}/bomb.xlsx`;
    await withEntry(await smallWorkbook('bomb-base'), bomb, 'xl/worksheets/sheet1.xml', `
out.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
chunk = b' ' * (1 << 20)
for _ in range(400): out.write(chunk)
out.write(b'</sheetData></worksheet>')
`);
    expect(readFileSync(bomb).length).toBeLessThan(2 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    // CPU, not wall time: a shared machine's load says nothing about what the import did.
    const started = process.cpuUsage();
    const err = await importError(importFile(fixture.db, bomb, importJob(), limits({ MAX_INFLATED_BYTES: 64 * 1024 * 1024 })));
    const used = process.cpuUsage(started);
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.message).toContain('"xl/worksheets/sheet1.xml" in this zip archive inflates to more than the limit of 64 MiB');
    expect((used.user + used.system) / 1e6).toBeLessThan(5);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses XML with a DTD (entity expansion) naming the part', async () => {
    const path = `${fixture.temp.dir}/dtd.xlsx`;
    await withEntry(await smallWorkbook('dtd-base'), path, 'xl/workbook.xml', `
out.write(b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
out.write(b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="&lol2;" sheetId="1" r:id="rId1"/></sheets></workbook>')
`);
    const err = await importError(importFile(fixture.db, path));
    expect(err.code).toBe('CSV_MALFORMED');
    expect(err.message).toContain(`the workbook's part "xl/workbook.xml" declares a DTD`);
  });

  it('refuses a password-protected workbook, saying how to remove the password', async () => {
    const workbook = await XlsxPopulate.fromBlankAsync();
    workbook.sheet(0).cell('A1').value('secret');
    const path = `${fixture.temp.dir}/protected.xlsx`;
    writeFileSync(path, await workbook.outputAsync({ password: 'hunter2' }));
    const err = await importError(importFile(fixture.db, path));
    expect(err.code).toBe('UNSUPPORTED_FILE_TYPE');
    expect(err.message).toContain('protected with a password');
    expect(err.message).toContain('remove the password');
  });

  it('refuses a truncated workbook as damaged, and leaves nothing behind', async () => {
    const whole = readFileSync(await smallWorkbook('whole'));
    const path = fixture.temp.write(whole.subarray(0, Math.floor(whole.length * 0.6)), 'truncated.xlsx');
    const before = await countAll(fixture.db.pool);
    const err = await importError(importFile(fixture.db, path));
    expect(err.code).toBe('CSV_MALFORMED');
    expect(err.message).toMatch(/damaged or cut short/);
    expect(await countAll(fixture.db.pool)).toEqual(before);
  });

  it('fails a shared-strings table beyond MAX_SHARED_STRINGS_BYTES as FILE_TOO_LARGE', async () => {
    const rows = [['Id', 'Text'], ...Array.from({ length: 200 }, (_, i) => [i, `distinct text number ${i}`])];
    const path = await smallWorkbook('many-strings', rows);
    const err = await importError(importFile(fixture.db, path, importJob(), limits({ MAX_SHARED_STRINGS_BYTES: 4096 })));
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.message).toContain("the workbook's table of text values holds more than 4 KiB");
  });

  it('applies MAX_COLUMNS to a cell far to the right, naming it', async () => {
    const path = `${fixture.temp.dir}/wide.xlsx`;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Wide');
    sheet.getCell('A1').value = 'Name';
    sheet.getCell('XFD1').value = 'far';
    await workbook.xlsx.writeFile(path);
    const err = await importError(importFile(fixture.db, path, importJob(), limits({ MAX_COLUMNS: 50 })));
    expect(err.code).toBe('TOO_MANY_COLUMNS');
    expect(err.message).toContain('cell XFD1 of sheet "Wide" is in column 16384; at most 50 columns are allowed');
  });

  it('applies MAX_RECORD_BYTES and MAX_ROWS as for CSV', async () => {
    const long = await smallWorkbook('long-cell', [['Name'], ['x'.repeat(5000)]]);
    const tooLarge = await importError(importFile(fixture.db, long, importJob(), limits({ MAX_RECORD_BYTES: 2048 })));
    expect(tooLarge.code).toBe('RECORD_TOO_LARGE');
    expect(tooLarge.message).toContain('row 2 of sheet "Data" is larger than the limit of 2048 bytes');
    const many = await smallWorkbook('many-rows', [['N'], [1], [2], [3]]);
    expect((await importError(importFile(fixture.db, many, importJob(), limits({ MAX_ROWS: 2 })))).code).toBe('TOO_MANY_ROWS');
  });
});
