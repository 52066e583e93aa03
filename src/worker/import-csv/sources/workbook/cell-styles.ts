import { builtInDateKind, dateKindOf, type DateKind } from './date-formats.js';
import type { WorkbookArchive } from './workbook-parts.js';
import { readXmlPart } from './xml-parts.js';

/**
 * Which cell styles show dates: a cell's `s` attribute indexes `cellXfs`, whose `numFmtId` is a
 * built-in format or one of the workbook's own `numFmts`. Only this decides that a number is a
 * date; the number is the same either way.
 */
export async function readDateStyles(archive: WorkbookArchive, part: string | undefined): Promise<(DateKind | undefined)[]> {
  if (!part || !archive.has(part)) return [];
  const custom = new Map<number, DateKind | undefined>();
  const styles: (DateKind | undefined)[] = [];
  let inCellXfs = false;
  await readXmlPart(archive.read(part), part, {
    open(name, a) {
      if (name === 'numFmt') custom.set(Number(a.numFmtId), dateKindOf(a.formatCode ?? ''));
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) {
        const id = Number(a.numFmtId ?? 0);
        styles.push(custom.has(id) ? custom.get(id) : builtInDateKind(id));
      }
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return styles;
}
