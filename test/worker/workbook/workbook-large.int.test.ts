import { readdirSync, readlinkSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { importFile } from '../../helpers/run-import.js';

const fixture = useEngineFixture();
const ROWS = 300_000;
const DAY_MS = 86_400_000;

it('imports a 300,000-row sheet written by ExcelJS, every cell as the writer wrote it', { timeout: 600_000 }, async () => {
  const path = `${fixture.temp.dir}/large.xlsx`;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: true });
  const sheet = workbook.addWorksheet('Large');
  sheet.columns = [{ header: 'Id', key: 'id' }, { header: 'Label', key: 'label' }, { header: 'Amount', key: 'amount' }, { header: 'Day', key: 'day', style: { numFmt: 'yyyy-mm-dd' } }];
  for (let i = 1; i <= ROWS; i++) {
    sheet.addRow([i, `row ${i}`, i * 0.25, new Date(Date.UTC(2020, 0, 1) + (i % 1000) * DAY_MS)]).commit();
  }
  sheet.commit();
  await workbook.commit();

  const result = await importFile(fixture.db, path);
  expect(result.rows).toBe(ROWS);
  // Every stored row against the values the writer was given, computed again by PostgreSQL.
  const { rows } = await fixture.db.pool.query<{ wrong: number; total: number }>(
    `select count(*)::int as total,
            count(*) filter (where data->>'id' <> row_number::text
                                or data->>'label' <> 'row ' || row_number
                                or data->>'amount' <> trim_scale(row_number * 0.25)::text
                                or data->>'day' <> (date '2020-01-01' + (row_number % 1000)::int)::text)::int as wrong
       from list_rows where list_id = $1`,
    [result.listId],
  );
  expect(rows[0]).toEqual({ total: ROWS, wrong: 0 });
});

it('reads a shared-strings table larger than it holds in memory back from its file, every value intact, and closes the file', { timeout: 600_000 }, async () => {
  const path = `${fixture.temp.dir}/many-strings.xlsx`;
  const rows = 60_000;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const sheet = workbook.addWorksheet('Strings');
  sheet.addRow(['Id', 'Text']).commit();
  // About 6 MB of distinct strings, past the 4 MiB the table keeps in memory.
  for (let i = 1; i <= rows; i++) sheet.addRow([i, `text ${i} ${'é'.repeat(i % 7)}${'x'.repeat(80)}`]).commit();
  sheet.commit();
  await workbook.commit();

  const result = await importFile(fixture.db, path);
  expect(result.rows).toBe(rows);
  // A spill file left open would still be listed here, as "…/scratch-shared-strings (deleted)".
  const spoolFiles = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } }).filter((target) => target.includes('csv-import-spool-'));
  expect(spoolFiles).toEqual([]);
  const { rows: counted } = await fixture.db.pool.query<{ wrong: number; total: number }>(
    `select count(*)::int as total,
            count(*) filter (where data->>'text' <> 'text ' || row_number || ' ' || repeat('é', (row_number % 7)::int) || repeat('x', 80))::int as wrong
       from list_rows where list_id = $1`,
    [result.listId],
  );
  expect(counted[0]).toEqual({ total: rows, wrong: 0 });
});
