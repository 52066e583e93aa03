import { describe, expect, it } from 'vitest';
import type { ImportRequestInput } from '../../src/shared/contract.js';
import { TEXT_ENCODINGS, encodeText } from '../helpers/encode-text.js';
import { readColumns, readRows } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/**
 * The delimiter as spreadsheet exports give it (DESIGN §5): Excel's `sep=X` first line, and
 * decimal commas in semicolon files. Each case checks what the list stores: names and values.
 */

const BOM = '\ufeff';

describe('delimiter choice through the engine', () => {
  const fixture = useEngineFixture();

  async function importText(text: string | Buffer, csv: NonNullable<ImportRequestInput['csv']> = {}) {
    const result = await importFile(fixture.db, fixture.temp.write(text), importJob({ csv }));
    const stored = await readColumns(fixture.db.pool, result.listId);
    const rows = (await readRows(fixture.db.pool, result.listId)).map((r) => stored.map((c) => r.text[c.key]));
    return { result, columns: stored.map((c) => c.name), rows };
  }

  describe("Excel's sep= line", () => {
    it('takes the delimiter from it and reads the next line as the header', async () => {
      const { result, columns, rows } = await importText(`${BOM}sep=;\r\nName;Betrag\r\nMüller;12,50\r\nSchmidt;7,00\r\n`);
      expect(result.delimiter).toBe(';');
      expect(columns).toEqual(['Name', 'Betrag']);
      expect(rows).toEqual([['Müller', '12,50'], ['Schmidt', '7,00']]);
    });

    it.each([
      [',', 'sep=,\nid,label\n1,"a;b|c"\n'],
      ['\t', 'sep=\t\nid\tlabel\n1\ta;b,c\n'],
      ['|', 'sep=|\nid|label\n1|a;b,c\n'],
    ])('reads %j as it names, against what the sniffer would count', async (delimiter, text) => {
      const { result, columns, rows } = await importText(text);
      expect(result.delimiter).toBe(delimiter);
      expect(columns).toEqual(['id', 'label']);
      expect(rows[0]).toEqual(['1', delimiter === ',' ? 'a;b|c' : 'a;b,c']);
    });

    it.each(TEXT_ENCODINGS)('is read in %s', async (encoding) => {
      const { result, columns, rows } = await importText(encodeText('sep=\t\r\nNom\tPrix\r\nCrème\t1,5\r\n', encoding));
      expect(result.delimiter).toBe('\t');
      expect(columns).toEqual(['Nom', 'Prix']);
      expect(rows).toEqual([['Crème', '1,5']]);
    });

    it('is read in a single-byte code page the job names', async () => {
      const bytes = Buffer.from('sep=;\r\nName;Ort\r\nMüller;Köln\r\n', 'latin1');
      const { columns, rows } = await importText(bytes, { encoding: 'windows-1252' });
      expect(columns).toEqual(['Name', 'Ort']);
      expect(rows).toEqual([['Müller', 'Köln']]);
    });

    it('drops the line but keeps a delimiter the job names', async () => {
      const { result, columns, rows } = await importText('sep=;\na,b\n1,2\n', { delimiter: ',' });
      expect(result.delimiter).toBe(',');
      expect(columns).toEqual(['a', 'b']);
      expect(rows).toEqual([['1', '2']]);
    });

    it('counts skipRows from the line after it', async () => {
      const { columns, rows } = await importText('sep=;\nUmsätze 2024\nName;Betrag\nMüller;12,50\n', { skipRows: 1 });
      expect(columns).toEqual(['Name', 'Betrag']);
      expect(rows).toEqual([['Müller', '12,50']]);
    });

    it('is not a row of a header-less file', async () => {
      const { columns, rows } = await importText('sep=|\n1|2\n3|4\n', { header: false });
      expect(columns).toEqual(['column_1', 'column_2']);
      expect(rows).toEqual([['1', '2'], ['3', '4']]);
    });

    it('still counts as line 1 of the file when a problem names its line', async () => {
      const err = await importError(importFile(fixture.db, fixture.temp.write('sep=;\r\nName;Betrag\r\nA;1\r\nB;2;3\r\n'), importJob()));
      expect(err.problems).toEqual([expect.objectContaining({ code: 'COLUMN_COUNT', row: 2, line: 4 })]);
    });

    it('still counts as line 1 when the header after it is empty', async () => {
      const err = await importError(importFile(fixture.db, fixture.temp.write('sep=;\n ; \n1;2\n'), importJob()));
      expect(err.code).toBe('NO_HEADER');
      expect(err.message).toMatch(/line 2\b/);
    });
  });

  describe('decimal commas', () => {
    it('splits a semicolon export whose header holds a comma on ";", keeping the decimal comma in the value', async () => {
      const { result, columns, rows } = await importText('Name;Betrag, EUR\nMüller;12,50\n');
      expect(result.delimiter).toBe(';');
      expect(columns).toEqual(['Name', 'Betrag, EUR']);
      expect(rows).toEqual([['Müller', '12,50']]);
    });

    it('splits header-less decimal-comma numbers on ";"', async () => {
      const { result, rows } = await importText('1,5;2,25\r\n3,75;4,5\r\n', { header: false });
      expect(result.delimiter).toBe(';');
      expect(rows).toEqual([['1,5', '2,25'], ['3,75', '4,5']]);
    });

    it('still splits a comma file of numbers on ","', async () => {
      const { result, columns, rows } = await importText('x,y,z\n1,2,3\n4,5,6\n');
      expect(result.delimiter).toBe(',');
      expect(columns).toEqual(['x', 'y', 'z']);
      expect(rows).toEqual([['1', '2', '3'], ['4', '5', '6']]);
    });
  });
});
