import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { ImportPreview } from '../../src/shared/contract.js';
import { fileReport } from '../../src/worker/import-csv/sinks/rejected-rows.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { countAll, readRows } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';

/** Typed columns (DESIGN §4, §5.8) against real PostgreSQL: what is stored, and what is refused. */

const csv = (lines: string[]) => `${lines.join('\n')}\n`;

describe('typed columns', () => {
  const fixture = useEngineFixture();

  it('stores numbers as jsonb numbers of exactly the decimal the file wrote', async () => {
    const amounts = ['0.1', '12345678901234567890.12', '9007199254740993', '-0.000000000000000000001', '1.50', '+7', '007'];
    const path = fixture.temp.write(csv(['amount', ...amounts]));
    const result = await importFile(fixture.db, path, importJob({ columns: [{ name: 'amount', type: 'number' }] }));
    const { rows } = await fixture.db.pool.query<{ t: string; v: string }>(
      `select jsonb_typeof(data->'amount') as t, data->>'amount' as v from list_rows where list_id = $1 order by row_number`, [result.listId],
    );
    expect(rows.every((r) => r.t === 'number')).toBe(true);
    rows.forEach((r, i) => expect(new Decimal(r.v).equals(new Decimal(amounts[i]!)), `${r.v} = ${amounts[i]}`).toBe(true));
    expect(rows.map((r) => r.v)).toEqual(['0.1', '12345678901234567890.12', '9007199254740993', '-0.000000000000000000001', '1.50', '7', '7']);
  });

  it('stores each type as DESIGN §4 says, an empty cell as null, and writes type and format to list_columns', async () => {
    const path = fixture.temp.write(csv([
      'Preis;Menge;Datum;Zeit;Stempel;Aktiv;Mail;Web;Id;Notiz',
      '"1.234,50";3;01.03.2024;14:05;2024-03-01T14:05:00+02:00;ja;a@example.org;https://example.org;123e4567-e89b-12d3-a456-426614174000;',
      ';;;;;;;;;',
    ]));
    const result = await importFile(fixture.db, path, importJob({
      csv: { delimiter: ';' },
      columns: [
        { name: 'Preis', type: 'number', format: { decimalChar: ',', groupChar: '.' } },
        { name: 'Menge', type: 'integer' },
        { name: 'Datum', type: 'date', format: { pattern: 'DD.MM.YYYY' } },
        { name: 'Zeit', type: 'time' },
        { name: 'Stempel', type: 'datetime' },
        { name: 'Aktiv', type: 'boolean', format: { trueValues: ['ja'], falseValues: ['nein'] } },
        { name: 'Mail', type: 'email' },
        { name: 'Web', type: 'url' },
        { name: 'Id', type: 'uuid' },
      ],
    }));
    const [first, empty] = await readRows(fixture.db.pool, result.listId);
    expect(first!.data).toEqual({
      preis: 1234.5, menge: 3, datum: '2024-03-01', zeit: '14:05:00', stempel: '2024-03-01T14:05:00+02:00', aktiv: true,
      mail: 'a@example.org', web: 'https://example.org', id: '123e4567-e89b-12d3-a456-426614174000', notiz: '',
    });
    expect(first!.text.preis).toBe('1234.50');
    expect(empty!.data).toEqual({ preis: null, menge: null, datum: null, zeit: null, stempel: null, aktiv: null, mail: null, web: null, id: null, notiz: '' });
    const { rows: columns } = await fixture.db.pool.query('select key, type, format from list_columns where list_id = $1 order by position', [result.listId]);
    expect(columns).toEqual([
      { key: 'preis', type: 'number', format: { decimalChar: ',', groupChar: '.' } },
      { key: 'menge', type: 'integer', format: { decimalChar: '.' } },
      { key: 'datum', type: 'date', format: { pattern: 'DD.MM.YYYY' } },
      { key: 'zeit', type: 'time', format: null },
      { key: 'stempel', type: 'datetime', format: null },
      { key: 'aktiv', type: 'boolean', format: { trueValues: ['ja'], falseValues: ['nein'] } },
      { key: 'mail', type: 'email', format: null },
      { key: 'web', type: 'url', format: null },
      { key: 'id', type: 'uuid', format: null },
      { key: 'notiz', type: 'string', format: null },
    ]);
    expect(result.columns[0]).toEqual({ key: 'preis', name: 'Preis', type: 'number', format: { decimalChar: ',', groupChar: '.' } });
  });

  it('takes decimal and group characters and the order of day and month from csv.locale', async () => {
    const path = fixture.temp.write(csv(['Preis;Datum', '"1.234,5";03.04.2024']));
    const result = await importFile(fixture.db, path, importJob({
      csv: { delimiter: ';', locale: 'de-DE' },
      columns: [{ name: 'Preis', type: 'number' }, { name: 'Datum', type: 'date' }],
    }));
    expect((await readRows(fixture.db.pool, result.listId))[0]!.data).toEqual({ preis: 1234.5, datum: '2024-04-03' });
    expect(result.columns.map((c) => c.format)).toEqual([{ decimalChar: ',', groupChar: '.' }, { pattern: 'D.M.YYYY' }]);
  });

  it('fails with TYPE_ERROR naming row, line, column, value and what was expected, writing nothing', async () => {
    const before = await countAll(fixture.db.pool);
    const path = fixture.temp.write(csv(['name,price', 'a,1.5', 'b,"1,5"', 'c,2']));
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'price', type: 'number' }] })));
    expect(error.code).toBe('TYPE_ERROR');
    expect(error.problems).toEqual([{
      row: 2, line: 3, column: 'price', code: 'TYPE_ERROR', value: '1,5',
      message: 'row 2 (line 3), column "price": "1,5" is not a number with "." as decimal separator',
    }]);
    expect(await countAll(fixture.db.pool)).toEqual(before);
  });

  it('refuses 1.5 in an integer column', async () => {
    const path = fixture.temp.write(csv(['n', '1', '1.5']));
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'n', type: 'integer' }] })));
    expect(error.problems?.[0]).toMatchObject({ row: 2, code: 'TYPE_ERROR', message: 'row 2 (line 3), column "n": "1.5" is not a whole number' });
  });

  it('skips rows with typed problems under "skip", counts them and writes them to the report as they were in the file', async () => {
    const dir = fixture.temp.write('', 'unused.txt').replace(/unused\.txt$/, '');
    const report = join(dir, 'typed-rejected.csv');
    const path = fixture.temp.write(csv(['name,price,code', 'a,1.5,AB1', 'b,"1,5",AB2', 'c,2,xx', 'd,-1,AB4']));
    const result = await importFile(fixture.db, path, importJob({
      invalidRows: 'skip',
      columns: [{ name: 'price', type: 'number', constraints: { minimum: 0 } }, { name: 'code', constraints: { pattern: '[A-Z]{2}\\d' } }],
    }), { rejectedRows: fileReport(report) });
    expect(result).toMatchObject({ rows: 1, skippedRows: 3, problemCount: 3, rejectedRows: { rows: 3 } });
    expect(result.problems!.map((p) => [p.row, p.code])).toEqual([[2, 'TYPE_ERROR'], [3, 'CONSTRAINT_ERROR'], [4, 'CONSTRAINT_ERROR']]);
    expect(result.problems![1]!.message).toBe('row 3 (line 4), column "code": "xx" does not match the pattern "[A-Z]{2}\\\\d"');
    expect(result.problems![2]!.message).toBe('row 4 (line 5), column "price": "-1" is below the minimum 0');
    const lines = readFileSync(report, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('name,price,code,row,line,error');
    expect(lines[1]).toBe('b,"1,5",AB2,2,3,"row 2 (line 3), column ""price"": ""1,5"" is not a number with ""."" as decimal separator"');
    expect(lines).toHaveLength(4);
  });

  it('finds the same problems in a dry run, and writes nothing', async () => {
    const before = await countAll(fixture.db.pool);
    const path = fixture.temp.write(csv(['when', '2024-03-01', '2024-02-30']));
    const error = await importError(importFile(fixture.db, path, importJob({ dryRun: true, columns: [{ name: 'when', type: 'date' }] })));
    expect(error.problems).toEqual([expect.objectContaining({ row: 2, code: 'TYPE_ERROR', message: 'row 2 (line 3), column "when": "2024-02-30" is not a date as YYYY-MM-DD' })]);
    expect(await countAll(fixture.db.pool)).toEqual(before);
  });

  it('shows typed values in the preview as they are stored, exact numbers included', async () => {
    const path = fixture.temp.write(csv(['n,d', '12345678901234567890,2024-03-01', '1.5,', ]));
    let preview: ImportPreview | undefined;
    await importFile(fixture.db, path, importJob({ columns: [{ name: 'n', type: 'number' }, { name: 'd', type: 'date' }] }), { onPreview: (p) => (preview = p) });
    expect(preview!.sampleRows).toEqual([{ n: '12345678901234567890', d: '2024-03-01' }, { n: 1.5, d: null }]);
    expect(preview!.columns.map((c) => c.type)).toEqual(['number', 'date']);
  });

  it('refuses a format that cannot work before any row, naming the column', async () => {
    const path = fixture.temp.write(csv(['d', '2024']));
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'd', type: 'date', format: { pattern: 'YYYY' } }] })));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toMatch(/column "d": the pattern "YYYY" does not fit a date column/);
  });
});

describe('the worked example of docs/TYPES.md', () => {
  const fixture = useEngineFixture();

  it('imports as the page says', async () => {
    const path = fixture.temp.write(csv([
      'Artikel;Preis;Menge;Lieferdatum;Aktiv;E-Mail;Kundennr',
      'Stuhl;1.234,50;3;03.04.2024;ja;a@example.de;00123',
      'Tisch;€ 99;1;;nein;b@example.de;00124',
      'Lampe;12,5;x;31.04.2024;ja;a@example.de;00125',
    ]));
    const result = await importFile(fixture.db, path, importJob({
      csv: { locale: 'de-DE', inferTypes: 'lossless' },
      invalidRows: 'skip',
      columns: [
        { name: 'Preis', type: 'number', format: { bareNumber: false }, constraints: { minimum: 0 } },
        { name: 'Menge', type: 'integer' },
        { name: 'Lieferdatum', type: 'date' },
        { name: 'Aktiv', type: 'boolean', format: { trueValues: ['ja'], falseValues: ['nein'] } },
        { name: 'E-Mail', key: 'email', type: 'email', constraints: { unique: true } },
      ],
    }));
    expect(result).toMatchObject({ rows: 2, skippedRows: 1, problemCount: 1 });
    expect(result.columns.map((c) => [c.key, c.type, c.format])).toEqual([
      ['artikel', 'string', undefined],
      ['preis', 'number', { decimalChar: ',', groupChar: '.', bareNumber: false }],
      ['menge', 'integer', { decimalChar: ',', groupChar: '.' }],
      ['lieferdatum', 'date', { pattern: 'D.M.YYYY' }],
      ['aktiv', 'boolean', { trueValues: ['ja'], falseValues: ['nein'] }],
      ['email', 'email', undefined],
      ['kundennr', 'string', undefined],
    ]);
    expect(result.problems![0]!.message).toBe('row 3 (line 4), column "Menge": "x" is not a whole number with "." between groups of three digits');
    const rows = await readRows(fixture.db.pool, result.listId);
    expect(rows.map((r) => r.data)).toEqual([
      { artikel: 'Stuhl', preis: 1234.5, menge: 3, lieferdatum: '2024-04-03', aktiv: true, email: 'a@example.de', kundennr: '00123' },
      { artikel: 'Tisch', preis: 99, menge: 1, lieferdatum: null, aktiv: false, email: 'b@example.de', kundennr: '00124' },
    ]);
    expect(rows[0]!.text.preis).toBe('1234.50');
  });
});

describe('unique columns', () => {
  const fixture = useEngineFixture();

  it('names the row that had the value first, across many batches, comparing numbers by value', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i + 1},${(i + 1) * 10}.5`);
    rows.push('30001,30.50', '30002,20.5');
    const path = fixture.temp.write(csv(['id,amount', ...rows]));
    const error = await importError(importFile(fixture.db, path, importJob({
      columns: [{ name: 'id', type: 'integer', constraints: { unique: true } }, { name: 'amount', type: 'number', constraints: { unique: true } }],
    })));
    expect(error.code).toBe('DUPLICATE_VALUE');
    expect(error.problems).toEqual([
      expect.objectContaining({ row: 30_001, line: 30_002, column: 'amount', value: '30.50', message: 'row 30001 (line 30002), column "amount": "30.50" is already the value of row 3; the column\'s values must be unique' }),
      expect.objectContaining({ row: 30_002, column: 'amount', message: expect.stringContaining('already the value of row 2;') }),
    ]);
  });

  it('counts only rows that were kept: a skipped row does not make a later one a duplicate', async () => {
    const path = fixture.temp.write(csv(['email,age', 'a@x.org,x', 'a@x.org,3', 'b@x.org,4', 'b@x.org,5', '', ',6', ',7']));
    const result = await importFile(fixture.db, path, importJob({
      invalidRows: 'skip',
      columns: [{ name: 'email', type: 'email', constraints: { unique: true } }, { name: 'age', type: 'integer' }],
    }));
    expect(result.problems!.map((p) => [p.row, p.code])).toEqual([[1, 'TYPE_ERROR'], [4, 'DUPLICATE_VALUE']]);
    expect((await readRows(fixture.db.pool, result.listId)).map((r) => r.rowNumber)).toEqual([2, 3, 5, 6]);
  });

  it('finds duplicates in a dry run too', async () => {
    const path = fixture.temp.write(csv(['sku', 'A', 'B', 'A']));
    const error = await importError(importFile(fixture.db, path, importJob({ dryRun: true, columns: [{ name: 'sku', constraints: { unique: true } }] })));
    expect(error.problems).toEqual([expect.objectContaining({ row: 3, code: 'DUPLICATE_VALUE', message: 'row 3 (line 4), column "sku": "A" is already the value of row 1; the column\'s values must be unique' })]);
  });
});
