import { afterAll, expect, it } from 'vitest';
import { CsvOptions } from '../../src/shared/contract.js';
import { CsvRecords, csvParseOptions } from '../../src/worker/import-csv/csv-records.js';
import { describeWithLibreOffice, readWithLibreOffice } from '../helpers/libreoffice.js';
import { createTempDir } from '../helpers/temp-csv.js';

/**
 * The quoting shapes the engine reads "as a spreadsheet program does" (docs/FILES.md, Quotes),
 * read by LibreOffice Calc too: every value must be the same. The shapes it refuses are not here;
 * LibreOffice reads those in ways the file cannot settle. Rows are as wide as their header:
 * LibreOffice writes every row as wide as the sheet.
 */
const SHAPES: { name: string; text: string; quote?: string }[] = [
  { name: 'spaces-after-closing-quote', text: 'x,y,z\nA,"B" ,C\nD,E,"F"  \n' },
  { name: 'quote-inside-quoted-value', text: 'x,y\n"Pedro "the" legend",1\n"a"b""c",2\n"a" "b"  ,3\n' },
  { name: 'quote-inside-unquoted-value', text: 'item,size\nfloppy,5" disk\nx,b"c\ny,\t"z\n' },
  { name: 'doubled-quote-and-line-break', text: 'a,b\n"say ""hi""","one\ntwo"\n' },
  { name: 'apostrophe-quoted', text: "'a'|'b'\n'1'|'O''Brien'\n'It''s'|'x|y'\n", quote: "'" },
];

const temp = createTempDir('quotes-libreoffice-');
afterAll(() => temp.remove());

function ours(text: string, separator: string, quote: string): string[][] {
  const records: string[][] = [];
  const parser = new CsvRecords(csvParseOptions(CsvOptions.parse({ quote }), separator, 1 << 20), (r) => records.push(r));
  parser.write(Buffer.from(text, 'utf8'));
  parser.end();
  return records;
}

describeWithLibreOffice('quoting shapes read as LibreOffice Calc reads them', () => {
  it('gives every value LibreOffice gives', async () => {
    for (const quote of ['"', "'"]) {
      const shapes = SHAPES.filter((s) => (s.quote ?? '"') === quote);
      const separator = quote === "'" ? '|' : ',';
      const paths = shapes.map((s) => temp.write(s.text, `${s.name}.csv`));
      const theirs = await readWithLibreOffice(paths, temp.dir, { separator, quote });
      shapes.forEach((s, i) => expect(ours(s.text, separator, quote), s.name).toEqual(theirs[i]));
    }
  }, 300_000);
});
