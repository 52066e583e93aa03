import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';

const COLUMNS = ['ID', 'Name', 'Email', 'Amount', 'Joined', 'Last seen', 'Active', 'Note'];
const NAMES = ['Anna', 'Bartosz', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah', 'Gustav', 'Hiroshi', 'Ines', 'José'];
const DAY_MS = 86_400_000;

/**
 * An 8-column sheet of `rows` rows, written by ExcelJS's streaming writer as Excel writes one:
 * shared strings (a few names repeated, unique e-mails and notes), numbers with decimals, dates
 * and datetimes in date formats, booleans. Kept in `dir` across runs.
 */
export async function ensureWorkbook(rows: number, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `bench-${rows}x8.xlsx`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: partial, useSharedStrings: true, useStyles: true });
  const sheet = workbook.addWorksheet('Customers');
  sheet.columns = COLUMNS.map((header, i) => ({ header, key: `c${i}`, style: i === 4 ? { numFmt: 'yyyy-mm-dd' } : i === 5 ? { numFmt: 'yyyy-mm-dd hh:mm:ss' } : {} }));
  const start = Date.UTC(2020, 0, 1);
  for (let i = 1; i <= rows; i++) {
    sheet.addRow([
      i,
      NAMES[i % NAMES.length],
      `customer${i}@example.com`,
      Math.round(i * 137.31) / 100,
      new Date(start + (i % 1500) * DAY_MS),
      new Date(start + i * 61_000),
      i % 3 === 0,
      `note ${i % 5000} for row ${i}`,
    ]).commit();
  }
  sheet.commit();
  await workbook.commit();
  await rename(partial, path);
  return path;
}
