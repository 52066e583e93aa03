import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { useEngineFixture } from '../../helpers/engine-fixture.js';

const run = promisify(execFile);
const fixture = useEngineFixture();

it('import-file reads the sheet --sheet names, and writes a workbook’s rejected rows as CSV with their cells', async () => {
  const path = join(fixture.temp.dir, 'cli.xlsx');
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Cover').addRow(['nothing here']);
  const sheet = workbook.addWorksheet('Rates');
  sheet.addRow(['Code', 'Rate']);
  sheet.addRow(['EUR', 1.08]);
  sheet.addRow(['XXX', { formula: 'NA()', result: { error: '#N/A' } }]);
  await workbook.xlsx.writeFile(path);
  const report = join(fixture.temp.dir, 'rejected.csv');

  const env = { ...process.env, DATABASE_URL: fixture.db.url, LOG_LEVEL: 'silent' };
  const { stdout } = await run('npx', ['tsx', 'src/worker/import-file.ts', path, '--sheet', 'rates', '--skip-invalid-rows', '--rejected-rows', report], { env });
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(out).toMatchObject({ rows: 1, skippedRows: 1, preview: { sheet: 'Rates', sheets: ['Cover', 'Rates'] } });
  expect(readFileSync(report, 'utf8')).toBe('\ufeffCode,Rate,row,line,error\r\nXXX,#N/A,2,3,"row 2 (line 3), column ""Rate"": cell B3 holds the error #N/A, not a value"\r\n');
});
