import { ImportError } from '../../../../shared/errors.js';
import { formatBytes } from '../source.js';
import { unescapeOoxml } from './ooxml-text.js';
import type { WorkbookArchive } from './workbook-parts.js';
import { readXmlPart } from './xml-parts.js';

/** What V8 spends on a short string beyond its characters: the bound counts it, or a million empty strings would pass as free. */
const STRING_OVERHEAD = 32;

/**
 * The shared-strings table, which cells point into by index, so it is held in memory whole:
 * bounded by `maxBytes` (two bytes a character plus each string's overhead), beyond which the
 * workbook is FILE_TOO_LARGE. Rich text is flattened to its runs' text; phonetic guides (`rPh`,
 * furigana over Japanese) are not part of the text and are left out, as Excel leaves them out
 * of a cell's value.
 */
export async function readSharedStrings(archive: WorkbookArchive, part: string | undefined, maxBytes: number): Promise<string[]> {
  if (!part || !archive.has(part)) return [];
  const strings: string[] = [];
  let bytes = 0;
  let text: string[] | undefined;
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
        const value = unescapeOoxml(text.join(''));
        strings.push(value);
        text = undefined;
        bytes += 2 * value.length + STRING_OVERHEAD;
        if (bytes > maxBytes) throw tooMany(strings.length, maxBytes);
      }
    },
    text(t) {
      if (inT && text) {
        text.push(t);
        bytes += 2 * t.length;
        if (bytes > maxBytes) throw tooMany(strings.length, maxBytes);
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
