import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { readColumns, readRows } from '../../helpers/read-list.js';
import { importFile, importJob } from '../../helpers/run-import.js';

const fixture = useEngineFixture();

/** DESIGN §5.7: with typed values, a column's cells decide its type; no plan, no inference asked for. */
describe('workbook columns typed by their cells', () => {
  it.each([undefined, 'de-DE'])('types number, date and boolean columns from their cells, locale %s', async (locale) => {
    const path = `${fixture.temp.dir}/typed-${locale ?? 'none'}.xlsx`;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Orders');
    sheet.addRow(['Amount', 'Day', 'Paid', 'Note']);
    sheet.addRow([1234.5, new Date(Date.UTC(2024, 2, 1)), true, 'first']);
    sheet.addRow([-0.25, new Date(Date.UTC(2023, 11, 31)), false, '12.5']);
    sheet.addRow([null, null, null, 'gaps are null']);
    sheet.addRow([1000000, new Date(Date.UTC(2024, 1, 29)), true, 'TRUE']);
    sheet.getColumn(2).numFmt = 'dd.mm.yyyy';
    await workbook.xlsx.writeFile(path);

    const result = await importFile(fixture.db, path, importJob({ csv: locale ? { locale } : {} }));
    const columns = await readColumns(fixture.db.pool, result.listId);
    expect(columns.map((c) => [c.name, c.type])).toEqual([['Amount', 'number'], ['Day', 'date'], ['Paid', 'boolean'], ['Note', 'string']]);
    const stored = await readRows(fixture.db.pool, result.listId);
    expect(stored.map((r) => [r.data.amount ?? null, r.data.day ?? null, r.data.paid ?? null, r.data.note])).toEqual([
      [1234.5, '2024-03-01', true, 'first'],
      [-0.25, '2023-12-31', false, '12.5'],
      [null, null, null, 'gaps are null'],
      [1000000, '2024-02-29', true, 'TRUE'],
    ]);
  });

  it('restarts once with a number column as string when a text cell follows the sample, keeping every value', async () => {
    const path = `${fixture.temp.dir}/late-text.xlsx`;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Counts');
    sheet.addRow(['Id', 'Count']);
    for (let i = 1; i <= 2000; i++) sheet.addRow([i, i === 1500 ? 'n/a' : i * 2]);
    await workbook.xlsx.writeFile(path);

    let passes = 0;
    const result = await importFile(fixture.db, path, importJob(), { onPreview: () => passes++ });
    expect(passes).toBe(2);
    expect(result.columns.map((c) => c.type)).toEqual(['number', 'string']);
    expect(result.rows).toBe(2000);
    const stored = await readRows(fixture.db.pool, result.listId, [1, 1500, 2000]);
    expect(stored.map((r) => r.data)).toEqual([{ id: 1, count: '2' }, { id: 1500, count: 'n/a' }, { id: 2000, count: '4000' }]);
  });
});
