import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../../src/shared/contract.js';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { readRows } from '../../helpers/read-list.js';
import { importError, importFile, importJob } from '../../helpers/run-import.js';

const fixture = useEngineFixture();

/** A workbook whose first sheet is hidden, then two visible ones, each naming itself in its cells. */
async function threeSheets(): Promise<string> {
  const path = `${fixture.temp.dir}/three-sheets-${Math.random().toString(36).slice(2)}.xlsx`;
  const workbook = new ExcelJS.Workbook();
  for (const [name, state] of [['Lookup', 'hidden'], ['Orders', 'visible'], ['Returns', 'visible']] as const) {
    const sheet = workbook.addWorksheet(name, { state });
    sheet.addRow(['Sheet', 'N']);
    sheet.addRow([name, 1]);
  }
  await workbook.xlsx.writeFile(path);
  return path;
}

describe('which sheet is read', () => {
  it('reads the first visible sheet when none is named, and the preview lists every sheet', async () => {
    let preview: ImportPreview | undefined;
    const result = await importFile(fixture.db, await threeSheets(), importJob(), { onPreview: (p) => (preview = p) });
    const rows = await readRows(fixture.db.pool, result.listId);
    expect(rows.map((r) => r.data.sheet)).toEqual(['Orders']);
    expect(preview).toMatchObject({ sheet: 'Orders', sheets: ['Lookup', 'Orders', 'Returns'] });
  });

  it('reads the sheet csv.sheet names, by name in any case or by its 1-based position among all tabs', async () => {
    const path = await threeSheets();
    for (const [sheet, expected] of [['returns', 'Returns'], [1, 'Lookup'], ['3', 'Returns']] as const) {
      const result = await importFile(fixture.db, path, importJob({ csv: { sheet } }));
      const rows = await readRows(fixture.db.pool, result.listId);
      expect(rows.map((r) => r.data.sheet)).toEqual([expected]);
    }
  });

  it('fails a sheet that is not there, naming the sheets there are', async () => {
    const err = await importError(importFile(fixture.db, await threeSheets(), importJob({ csv: { sheet: 'Invoices' } })));
    expect(err.code).toBe('SHEET_NOT_FOUND');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('the workbook has no sheet "Invoices"; it has 1. "Lookup" (hidden), 2. "Orders", 3. "Returns"');
  });

  it('skips csv.skipRows sheet rows before the header', async () => {
    const path = `${fixture.temp.dir}/title.xlsx`;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Report');
    sheet.addRow(['Quarterly report']);
    sheet.addRow([]);
    sheet.addRow(['Region', 'Sales']);
    sheet.addRow(['North', 10]);
    await workbook.xlsx.writeFile(path);
    const result = await importFile(fixture.db, path, importJob({ csv: { skipRows: 2 } }));
    expect(result.columns.map((c) => c.name)).toEqual(['Region', 'Sales']);
    expect((await readRows(fixture.db.pool, result.listId)).map((r) => r.data)).toEqual([{ region: 'North', sales: 10 }]);
  });
});
