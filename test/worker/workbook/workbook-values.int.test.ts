import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { rowsAsOpenpyxlReads } from '../../helpers/openpyxl-rows.js';
import { readColumns, readRows, type StoredRow } from '../../helpers/read-list.js';
import { importFile, importJob } from '../../helpers/run-import.js';
import { libreOfficeToXlsx, python } from '../../helpers/workbook-writers.js';

const fixture = useEngineFixture();

/**
 * Imports the workbook and checks every stored cell against what openpyxl reads from the same
 * file. Columns typed by their cells hold jsonb values: compared as the reader renders them
 * (PostgreSQL prints numbers as stored, booleans TRUE/FALSE, a typed empty cell is null).
 */
async function expectStoredAsOpenpyxlReads(path: string, sheet?: string) {
  const [header, ...data] = await rowsAsOpenpyxlReads(path, sheet);
  const result = await importFile(fixture.db, path, importJob({ csv: sheet ? { sheet } : {} }));
  const columns = await readColumns(fixture.db.pool, result.listId);
  expect(columns.map((c) => c.name)).toEqual(header);
  const stored = await readRows(fixture.db.pool, result.listId);
  const rendered = (r: StoredRow, key: string) => {
    const value = r.data[key];
    return typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : (r.text[key] ?? '');
  };
  expect(stored.map((r) => columns.map((c) => rendered(r, c.key)))).toEqual(data);
  return { result, stored, columns };
}

describe('workbook cells become the values they hold', () => {
  it('reads an openpyxl workbook: text, numbers, booleans, dates, datetimes, times, gaps, merges and blank rows', async () => {
    const path = `${fixture.temp.dir}/openpyxl-values.xlsx`;
    await python(`
import datetime, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = 'Values'
ws.append(['Text', 'Number', 'Flag', 'When', 'At', 'Time'])
ws.append(['Zoë Ł 名前 😀', 12.5, True, datetime.date(2024, 3, 1), datetime.datetime(2024, 3, 1, 14, 5, 7), datetime.time(9, 30)])
ws.append(['  spaced  ', 0.1, False, datetime.date(1900, 1, 1), datetime.datetime(1999, 12, 31, 23, 59, 59, 250000), datetime.time(23, 59, 59)])
ws.append(['00123', 123456789012345, None, datetime.date(9999, 12, 31), None, None])
ws.append([None, -2.5, None, None, None, None])
ws.append([])
ws.append(['after a blank row', 1/3, None, None, None, None])
ws['A9'] = 'gap before me'
ws['F9'] = 1000000
ws.merge_cells('A10:C11')
ws['A10'] = 'merged'
ws['D10'] = 'beside the merge'
wb.save(sys.argv[1])
`, [path]);
    const { stored, columns } = await expectStoredAsOpenpyxlReads(path);
    // A column of one kind of cell takes its type; When also holds text (D10) and Time a number (F9).
    expect(columns.map((c) => c.type)).toEqual(['string', 'number', 'boolean', 'string', 'datetime', 'string']);
    expect(stored[0]!.data).toMatchObject({ number: 12.5, flag: true, when: '2024-03-01', at: '2024-03-01T14:05:07', time: '09:30:00' });
    expect(stored[2]!.data).toMatchObject({ text: '00123', number: 123456789012345 });
  });

  it('reads the 1904 date system as the same calendar dates', async () => {
    const path = `${fixture.temp.dir}/openpyxl-1904.xlsx`;
    await python(`
import datetime, sys, openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904
wb = openpyxl.Workbook()
wb.epoch = CALENDAR_MAC_1904
ws = wb.active
ws.append(['Day', 'Moment'])
ws.append([datetime.date(2024, 2, 29), datetime.datetime(1904, 1, 3, 6, 0)])
ws.append([datetime.date(1904, 1, 2), datetime.datetime(2031, 7, 4, 12, 30, 15)])
wb.save(sys.argv[1])
`, [path]);
    const { stored } = await expectStoredAsOpenpyxlReads(path);
    expect(stored.map((r) => r.data.day)).toEqual(['2024-02-29', '1904-01-02']);
  });

  it('reads an ExcelJS workbook: rich text flattened, formulas by their cached result, the 1904 system', async () => {
    const path = `${fixture.temp.dir}/exceljs-values.xlsx`;
    const workbook = new ExcelJS.Workbook();
    workbook.properties.date1904 = true;
    const sheet = workbook.addWorksheet('Rich');
    sheet.addRow(['Name', 'Total', 'Due', 'Paid']);
    sheet.addRow([{ richText: [{ text: 'Bold ', font: { bold: true } }, { text: 'and plain' }] }, { formula: 'B3*2', result: 41.5 }, new Date(Date.UTC(2025, 0, 31)), true]);
    sheet.addRow(['Second', 20.75, new Date(Date.UTC(2025, 11, 1, 8, 15)), false]);
    sheet.getColumn(3).numFmt = 'dd.mm.yyyy hh:mm';
    sheet.getCell('C2').numFmt = 'dd.mm.yyyy';
    await workbook.xlsx.writeFile(path);
    const { stored } = await expectStoredAsOpenpyxlReads(path);
    // Due holds a date (C2) and a datetime (C3): two kinds, so it stays string.
    expect(stored[0]!.data).toMatchObject({ name: 'Bold and plain', total: 41.5, due: '2025-01-31', paid: true });
  });

  it('reads a LibreOffice workbook converted from CSV: typed cells and calculated formulas', async () => {
    const csv = fixture.temp.write('Item,Price,Count,Total,Day\nPen,1.25,4,=B2*C2,2024-05-06\nInk,0.3,10,=B3*C3,2023-12-31\n', 'libreoffice.csv');
    const path = await libreOfficeToXlsx(csv, fixture.temp.dir);
    const { stored } = await expectStoredAsOpenpyxlReads(path);
    expect(stored.map((r) => r.data.total)).toEqual([5, 3]);
  });
});

describe('cells that hold no value', () => {
  it('makes an error cell a CELL_ERROR problem naming the cell and its row', async () => {
    const path = `${fixture.temp.dir}/errors.xlsx`;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Errors');
    sheet.addRow(['Name', 'Ratio']);
    sheet.addRow(['fine', 0.5]);
    sheet.addRow(['broken', { formula: '1/0', result: { error: '#DIV/0!' } }]);
    await workbook.xlsx.writeFile(path);
    const result = await importFile(fixture.db, path, importJob({ invalidRows: 'skip' }));
    expect(result.rows).toBe(1);
    expect(result.problems).toEqual([
      expect.objectContaining({ row: 2, line: 3, column: 'Ratio', code: 'CELL_ERROR', value: '#DIV/0!', message: expect.stringContaining('cell B3 holds the error #DIV/0!') }),
    ]);
  });

  it('refuses a formula whose result was never calculated instead of storing an empty cell', async () => {
    const path = `${fixture.temp.dir}/uncalculated.xlsx`;
    await python(`
import sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(['A', 'Sum'])
ws.append([1, '=A2+1'])
wb.save(sys.argv[1])
`, [path]);
    const result = await importFile(fixture.db, path, importJob({ invalidRows: 'skip' }));
    expect(result.problems?.[0]).toMatchObject({ line: 2, code: 'CELL_ERROR', column: 'Sum' });
    expect(result.problems?.[0]!.message).toContain('cell B2 holds a formula whose result was never calculated');
  });
});

it('fails a workbook whose sheet has no cells as EMPTY_FILE', async () => {
  const path = `${fixture.temp.dir}/empty.xlsx`;
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Nothing');
  await workbook.xlsx.writeFile(path);
  await expect(importFile(fixture.db, path)).rejects.toMatchObject({ code: 'EMPTY_FILE' });
});

it('removes and counts NUL characters a cell holds as _x0000_, which jsonb cannot store', async () => {
  const path = `${fixture.temp.dir}/nul.xlsx`;
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Nul');
  sheet.addRow(['Code']);
  sheet.addRow(['A_x0000_B']);
  await workbook.xlsx.writeFile(path);
  const result = await importFile(fixture.db, path);
  expect(result.nulCharactersRemoved).toBe(1);
  expect((await readRows(fixture.db.pool, result.listId)).map((r) => r.data.code)).toEqual(['AB']);
});
