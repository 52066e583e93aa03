import { openpyxlCells, type OpenpyxlCell } from './workbook-writers.js';

/**
 * A sheet's rows as the import should store them, from what openpyxl (data_only) reads, under
 * DESIGN §5.7's rules: numbers as Python's shortest round trip without a `.0`, booleans TRUE and
 * FALSE, a datetime at midnight in a date-only format as its date, milliseconds only when there
 * are some, empty cells "", blank rows left out. The first row returned is the header.
 */
export async function rowsAsOpenpyxlReads(path: string, sheet = ''): Promise<string[][]> {
  const cells = await openpyxlCells(path, sheet);
  const rows = new Map<number, string[]>();
  const width = Math.max(0, ...cells.map((c) => c.column));
  for (const cell of cells) {
    const row = rows.get(cell.row) ?? Array.from({ length: width }, () => '');
    row[cell.column - 1] = expectedText(cell);
    rows.set(cell.row, row);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, row]) => row)
    .filter((row) => row.some((v) => v !== ''));
}

function expectedText(cell: OpenpyxlCell): string {
  switch (cell.kind) {
    case 'none':
      return '';
    case 'number':
      if (/e/i.test(cell.text)) throw new Error(`keep test numbers in plain notation (${cell.text}); the exponent form has its unit test`);
      return cell.text.replace(/\.0$/, '');
    case 'datetime': {
      const text = cell.text.replace(/\.000$/, '');
      return dateOnly(cell.format) && text.endsWith('T00:00:00') ? text.slice(0, 10) : text;
    }
    case 'time':
      return cell.text.replace(/\.000$/, '');
    default:
      return cell.text;
  }
}

/** A format that shows no time of day: no hours or seconds outside its quoted text. */
const dateOnly = (format: string) => !/[hs]/i.test(format.replace(/"[^"]*"/g, ''));
