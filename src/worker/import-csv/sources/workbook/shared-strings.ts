import { ImportError } from '../../../../shared/errors.js';
import { formatBytes } from '../source.js';
import { unescapeOoxml } from './ooxml-text.js';
import { StringTable } from './string-table.js';
import type { WorkbookArchive } from './workbook-parts.js';
import { readXmlPart } from './xml-parts.js';

/**
 * The shared-strings table, which cells point into by index, so it is held in memory whole:
 * bounded by `maxBytes` (its UTF-8 and index, see StringTable), beyond which the workbook is
 * FILE_TOO_LARGE. Rich text is flattened to its runs' text; phonetic guides (`rPh`,
 * furigana over Japanese) are not part of the text and are left out, as Excel leaves them out
 * of a cell's value.
 */
export async function readSharedStrings(archive: WorkbookArchive, part: string | undefined, maxBytes: number): Promise<StringTable> {
  const strings = new StringTable();
  if (!part || !archive.has(part)) return strings;
  let text: string[] | undefined;
  // Text of the string being read counts too: one huge string must not get past the bound.
  let pending = 0;
  let inT = false;
  let phonetic = 0;
  await readXmlPart(archive.read(part), part, {
    open(name) {
      if (name === 'si') text = [];
      else if (name === 't') inT = phonetic === 0;
      else if (name === 'rPh') phonetic++;
    },
    close(name) {
      if (name === 't') inT = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si' && text) {
        strings.add(unescapeOoxml(text.join('')));
        text = undefined;
        pending = 0;
        if (strings.bytes > maxBytes) throw tooMany(strings.count, maxBytes);
      }
    },
    text(t) {
      if (inT && text) {
        text.push(t);
        pending += t.length;
        if (strings.bytes + pending > maxBytes) throw tooMany(strings.count, maxBytes);
      }
    },
  });
  return strings;
}

const tooMany = (count: number, maxBytes: number) =>
  new ImportError(
    'FILE_TOO_LARGE',
    `the workbook's table of text values holds more than ${formatBytes(maxBytes)} (over ${count.toLocaleString('en')} strings), more than an import may hold in memory; save the sheet as CSV and import that`,
  );
