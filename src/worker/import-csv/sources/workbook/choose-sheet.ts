import { ImportError } from '../../../../shared/errors.js';
import type { SheetEntry } from './workbook-parts.js';

/**
 * The sheet to read (DESIGN §5.7): the one `csv.sheet` names (its name, compared as Excel
 * compares sheet names, ignoring case; or its 1-based position among all sheets, hidden ones
 * included, as Excel's tabs count them), else the first visible worksheet.
 */
export function chooseSheet(sheets: readonly SheetEntry[], wanted: string | number | undefined): SheetEntry {
  if (wanted === undefined) {
    const first = sheets.find((s) => !s.hidden && s.part);
    if (!first) throw new ImportError('EMPTY_FILE', `the workbook has no visible sheet of cells (it has ${listSheets(sheets)}); name the sheet to read`);
    return first;
  }
  const byName = typeof wanted === 'string' ? sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase()) : undefined;
  const position = typeof wanted === 'number' ? wanted : /^\d+$/.test(wanted) && !byName ? Number(wanted) : undefined;
  const sheet = byName ?? (position !== undefined ? sheets[position - 1] : undefined);
  if (!sheet) {
    throw new ImportError('SHEET_NOT_FOUND', `the workbook has no sheet ${typeof wanted === 'number' ? `number ${wanted}` : `"${wanted}"`}; it has ${listSheets(sheets)}`);
  }
  if (!sheet.part) throw new ImportError('SHEET_NOT_FOUND', `sheet "${sheet.name}" is a chart, not a sheet of cells; the workbook has ${listSheets(sheets)}`);
  return sheet;
}

const listSheets = (sheets: readonly SheetEntry[]) =>
  sheets.map((s, i) => `${i + 1}. "${s.name}"${s.hidden ? ' (hidden)' : ''}`).join(', ');
