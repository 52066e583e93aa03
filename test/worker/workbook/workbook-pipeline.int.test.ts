import { statSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import type { Progress } from '../../../src/shared/contract.js';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { countAll } from '../../helpers/read-list.js';
import { importFile, importJob } from '../../helpers/run-import.js';

const fixture = useEngineFixture();

async function numbered(rows: number): Promise<string> {
  const path = `${fixture.temp.dir}/numbered-${rows}.xlsx`;
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Numbers');
  sheet.addRow(['N', 'Label']);
  for (let i = 1; i <= rows; i++) sheet.addRow([i, `label ${i}`]);
  await workbook.xlsx.writeFile(path);
  return path;
}

it('reports progress in bytes of the stored workbook, rising to its size as the sheet is read', async () => {
  const path = await numbered(20_000);
  const seen: Progress[] = [];
  const result = await importFile(fixture.db, path, importJob(), { progressEvery: 1000, onProgress: (p) => seen.push(p) });
  expect(result.rows).toBe(20_000);
  const size = statSync(path).size;
  expect(seen.every((p) => p.totalBytes === size)).toBe(true);
  const bytes = seen.map((p) => p.bytes);
  expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  expect(bytes[0]).toBeLessThan(size / 2);
  expect(seen.at(-1)).toMatchObject({ rows: 20_000, bytes: size, percent: 100 });
});

it('runs a workbook dry run to the end and writes nothing', async () => {
  const before = await countAll(fixture.db.pool);
  const result = await importFile(fixture.db, await numbered(50), importJob({ dryRun: true }));
  expect(result).toMatchObject({ dryRun: true, rows: 50 });
  expect(await countAll(fixture.db.pool)).toEqual(before);
});
