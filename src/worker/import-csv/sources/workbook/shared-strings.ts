import { ImportError } from '../../../../shared/errors.js';
import { formatBytes } from '../source.js';
import { unescapeOoxml } from './ooxml-text.js';
import { StringTable } from './string-table.js';
import type { WorkbookArchive } from './workbook-parts.js';
import { scanXmlPart, type ScanVisitor } from './xml-scanner.js';

/**
 * The shared-strings table, which cells point into by index, so it is held whole while the
 * sheet is read (in memory, or partly in a file: see StringTable): bounded by `maxBytes`, beyond
 * which the workbook is FILE_TOO_LARGE. Rich text is flattened to its runs' text; phonetic guides (`rPh`,
 * furigana over Japanese) are not part of the text and are left out, as Excel leaves them out
 * of a cell's value.
 */
export async function readSharedStrings(archive: WorkbookArchive, part: string | undefined, maxBytes: number, strings = new StringTable()): Promise<StringTable> {
  if (!part || !archive.has(part)) return strings;
  const reader = new SharedStringsReader(strings, maxBytes);
  await scanXmlPart(archive.read(part), part, ['si', 't', 'rPh'], reader);
  return strings;
}

/** One `<si>` at a time: its runs' text, outside phonetic guides. */
class SharedStringsReader implements ScanVisitor {
  capturing = false;
  private inString = false;
  /** The string's first run of text, and the runs after it: most strings have one run, and need no array. */
  private first: string | undefined;
  private more: string[] | undefined;
  // Text of the string being read counts too: one huge string must not get past the bound.
  private pending = 0;
  private phonetic = 0;

  constructor(private readonly strings: StringTable, private readonly maxBytes: number) {}

  open(name: string | undefined): void {
    if (name === 'si') {
      this.inString = true;
      this.first = undefined;
      this.more = undefined;
    } else if (name === 't') this.capturing = this.phonetic === 0 && this.inString;
    else if (name === 'rPh') this.phonetic++;
  }

  close(name: string | undefined): void {
    if (name === 't') this.capturing = false;
    else if (name === 'rPh') this.phonetic--;
    else if (name === 'si' && this.inString) {
      const { strings } = this;
      strings.add(unescapeOoxml(this.more ? this.more.join('') : (this.first ?? '')));
      this.inString = false;
      this.pending = 0;
      if (strings.bytes > this.maxBytes) throw tooMany(strings.count, this.maxBytes);
    }
  }

  text(t: string): void {
    if (this.first === undefined) this.first = t;
    else (this.more ??= [this.first]).push(t);
    this.pending += t.length;
    if (this.strings.bytes + this.pending > this.maxBytes) throw tooMany(this.strings.count, this.maxBytes);
  }
}

const tooMany = (count: number, maxBytes: number) =>
  new ImportError(
    'FILE_TOO_LARGE',
    `the workbook's table of text values holds more than ${formatBytes(maxBytes)} (over ${count.toLocaleString('en')} strings), more than an import may hold in memory; save the sheet as CSV and import that`,
  );
