import { describe, expect, it } from 'vitest';
import { ImportError } from '../../../src/shared/errors.js';
import { MergedCells } from '../../../src/worker/import-csv/sources/workbook/merged-cells.js';
import { readSharedStrings } from '../../../src/worker/import-csv/sources/workbook/shared-strings.js';
import { readSheetRecords } from '../../../src/worker/import-csv/sources/workbook/sheet-records.js';
import { StringTable } from '../../../src/worker/import-csv/sources/workbook/string-table.js';

/**
 * The scanner that reads a sheet's and the shared strings' XML, driven through the sheet and
 * shared-strings readers as a workbook import drives them, with the part's bytes cut anywhere.
 */

async function* cut(bytes: Buffer, at: number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const to of [...at, bytes.length]) {
    yield bytes.subarray(from, to);
    from = to;
  }
}

const SHARED = new StringTable();
SHARED.add('shared zero');

async function sheetRows(xml: string | Buffer, at: number[] = []): Promise<{ line: number; cells: string[] }[]> {
  const bytes = typeof xml === 'string' ? Buffer.from(xml) : xml;
  const rows: { line: number; cells: string[] }[] = [];
  const context = {
    sheet: 'Sheet1', part: 'xl/worksheets/sheet1.xml', sharedStrings: SHARED, dateStyles: [], date1904: false,
    merged: new MergedCells([]), stats: { sawNul: false }, skipRows: 0, maxColumns: 100, maxRecordBytes: 1 << 20, kindRows: 0,
  };
  for await (const batch of readSheetRecords(cut(bytes, at), context)) for (const r of batch) rows.push({ line: r.line, cells: r.cells });
  return rows;
}

async function failure(run: Promise<unknown>): Promise<ImportError> {
  const err = await run.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

const sheet = (rows: string, before = '') =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n${before}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`;

const EDGES = sheet(
  `<!-- a comment <row r="9"> that is no row --><?some-instruction <c>?>` +
    `<row r="1" spans="1:4"><c r="A1" t="s"><v>0</v></c><c r='B1' t = "inlineStr"><is><t xml:space="preserve">Fish &amp; chips &lt;3 &#x41;&#66; &quot;q&apos;</t></is></c>` +
    `<c r="C1" t="inlineStr"><is><t><![CDATA[<b>raw & ]] text</b> 😀]]></t></is></c><c r="D1" t="str"><f>A1&amp;"x"</f><v>line one\r\nline two\rthree</v></c></row>\r\n` +
    `<row r="3"><c r="A3"><v>1.50</v></c><c r="C3" t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t>text é 😀</t></r><rPh sb="0" eb="1"><t>ルビ</t></rPh></is></c><c r="D3" t="b"><v>1</v></c></row>` +
    `<row r="4"><c r="A4" t="inlineStr"/><c r="B4"/></row>`,
  '<!-- written by hand -->',
);
const EDGE_ROWS = [
  { line: 1, cells: ['shared zero', `Fish & chips <3 AB "q'`, '<b>raw & ]] text</b> 😀', 'line one\nline two\nthree'] },
  { line: 3, cells: ['1.5', '', 'rich text é 😀', 'TRUE'] },
];

describe('the workbook XML scanner, through the sheet reader', () => {
  it('reads references, CDATA, comments, instructions, rich text and line ends as the cells hold them', async () => {
    expect(await sheetRows(EDGES)).toEqual(EDGE_ROWS);
  });

  it('reads the same rows however the bytes are cut into two chunks, inside tags, references, characters and CRLFs', async () => {
    const bytes = Buffer.from(EDGES);
    for (let at = 1; at < bytes.length; at++) expect(await sheetRows(bytes, [at]), `cut at byte ${at}`).toEqual(EDGE_ROWS);
  });

  it('reads the same rows from one-byte chunks', async () => {
    const bytes = Buffer.from(EDGES);
    expect(await sheetRows(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(EDGE_ROWS);
  });

  it('drops a byte order mark before the root only, not one a chunk starts with', async () => {
    const xml = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>\uFEFFzero width</t></is></c></row>'))]);
    const inText = xml.indexOf(Buffer.from('\uFEFFzero'));
    for (const at of [[], [inText], [2, inText], [3, inText + 1]]) {
      expect(await sheetRows(xml, at), `cut at ${at.join(', ')}`).toEqual([{ line: 1, cells: ['\uFEFFzero width'] }]);
    }
  });

  it('accepts elements under a namespace prefix, as some writers spell every element', async () => {
    const xml =
      '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
      '<x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>prefixed</x:t></x:is></x:c><x:c r="C2"><x:v>7</x:v></x:c></x:row>' +
      '</x:sheetData></x:worksheet>';
    expect(await sheetRows(xml)).toEqual([{ line: 2, cells: ['', 'prefixed', '7'] }]);
  });

  it('calls tags that do not nest damaged, naming both', async () => {
    const err = await failure(sheetRows(sheet('<row r="1"><c r="A1"><v>1</c></v></row>')));
    expect(err.code).toBe('CSV_MALFORMED');
    expect(err.message).toContain('the workbook is damaged: its part "xl/worksheets/sheet1.xml" cannot be read (its element <v> is closed by </c>)');
  });

  it('calls a part that ends inside an element damaged (a truncated sheet)', async () => {
    const whole = sheet('<row r="1"><c r="A1"><v>1</v></c></row>');
    for (const end of [whole.indexOf('<row'), whole.indexOf('<v>') + 1, whole.indexOf('</sheetData>') + 5]) {
      const err = await failure(sheetRows(whole.slice(0, end)));
      expect(err.code).toBe('CSV_MALFORMED');
      expect(err.message).toMatch(/the workbook is damaged: its part "xl\/worksheets\/sheet1.xml" cannot be read \(it ends (before the element <\w+> is closed|inside its markup)\)/);
    }
  });

  it('refuses a DTD, even one split across chunks', async () => {
    const xml = sheet('', '<!DOCTYPE worksheet [<!ENTITY e "boom">]>');
    const err = await failure(sheetRows(xml, [xml.indexOf('<!DOC') + 3]));
    expect(err.code).toBe('CSV_MALFORMED');
    expect(err.message).toContain(`the workbook's part "xl/worksheets/sheet1.xml" declares a DTD`);
  });

  it('calls a reference to an entity XML does not define damaged, rather than keep or drop it', async () => {
    const err = await failure(sheetRows(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>a &nbsp; b</t></is></c></row>')));
    expect(err.message).toContain('(it refers to "&nbsp;", which XML does not define)');
    const nul = await failure(sheetRows(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&#0;</t></is></c></row>')));
    expect(nul.message).toContain('(it refers to "&#0;", which XML does not define)');
  });

  it('calls bytes that are not UTF-8 damaged, even when a chunk ends inside a character', async () => {
    const [before, after] = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>caf|</t></is></c></row>').split('|');
    const xml = Buffer.concat([Buffer.from(before!), Buffer.from([0xc3, 0x28]), Buffer.from(after!)]);
    const err = await failure(sheetRows(xml, [xml.indexOf(0xc3) + 1]));
    expect(err.message).toContain('(it is not UTF-8 text)');
  });

  it('calls a tag that never ends within 1 MiB damaged rather than hold it whole', async () => {
    const xml = Buffer.from(sheet(`<row r="1" note="${'a'.repeat(2 * 1024 * 1024)}"><c r="A1"><v>1</v></c></row>`));
    const at = Array.from({ length: Math.floor(xml.length / 65536) }, (_, i) => (i + 1) * 65536);
    const err = await failure(sheetRows(xml, at));
    expect(err.message).toContain('(it holds a tag or reference longer than 1 MiB)');
  });

  it('calls text outside the root element, a second root, and a malformed tag damaged', async () => {
    expect((await failure(sheetRows(`${sheet('')}trailing`))).message).toContain('(it holds text outside its root element)');
    expect((await failure(sheetRows(`${sheet('')}<worksheet/>`))).message).toContain('(it holds more than one root element)');
    expect((await failure(sheetRows(sheet('<row r="1"><c r=A1><v>1</v></c></row>')))).message).toContain('it holds a malformed tag');
    expect((await failure(sheetRows(sheet('<row r="1"></c></row>')))).message).toContain('its element <row> is closed by </c>');
  });
});

describe('the workbook XML scanner, through the shared-strings reader', () => {
  const SST =
    '<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">' +
    '<si><t>plain</t></si><si><r><t>rich </t></r><r><rPr><i/></rPr><t xml:space="preserve">run &amp; run</t></r></si>' +
    '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si><si><t/></si><si><t>tab_x0009_here</t></si></sst>';

  async function strings(at: number[]): Promise<(string | undefined)[]> {
    const bytes = Buffer.from(SST);
    const archive = { has: () => true, read: () => cut(bytes, at) };
    const table = await readSharedStrings(archive, 'xl/sharedStrings.xml', 1 << 20);
    return Array.from({ length: table.count }, (_, i) => table.get(i));
  }

  it('reads each string, rich text flattened and phonetic guides left out, however the bytes are cut', async () => {
    const expected = ['plain', 'rich run & run', '漢字', '', 'tab\there'];
    expect(await strings([])).toEqual(expected);
    for (let at = 1; at < Buffer.byteLength(SST); at++) expect(await strings([at]), `cut at byte ${at}`).toEqual(expected);
  });
});
