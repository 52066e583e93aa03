import { describe, expect, it } from 'vitest';
import { ImportRequest } from '../../src/shared/contract.js';
import { countAll, readColumns, readRows } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** The column plan (DESIGN §5.2) against real PostgreSQL: matching, keys, types, checks. */

const csv = (lines: string[]) => `${lines.join('\n')}\n`;

describe('the column plan', () => {
  const fixture = useEngineFixture();

  it('matches headers by name or alias after trimming, collapsing whitespace, and ignoring case and accents', async () => {
    const path = fixture.temp.write(csv(['  E-MAIL ,Prénom   de  famille,Größe', 'a@x.org,Müller,42']));
    const result = await importFile(fixture.db, path, importJob({
      columns: [
        { name: 'Email', aliases: ['e-mail', 'mail'], key: 'email' },
        { name: 'prenom de famille', key: 'last_name' },
        { name: 'GROSSE', key: 'size' },
      ],
    }));
    // Stored names stay the headers as written (trimmed); keys come from the plan.
    expect(result.columns).toEqual([
      { key: 'email', name: 'E-MAIL', type: 'string' },
      { key: 'last_name', name: 'Prénom   de  famille', type: 'string' },
      { key: 'size', name: 'Größe', type: 'string' },
    ]);
    expect((await readRows(fixture.db.pool, result.listId)).map((r) => r.data)).toEqual([{ email: 'a@x.org', last_name: 'Müller', size: '42' }]);
    expect((await readColumns(fixture.db.pool, result.listId)).map((c) => c.key)).toEqual(['email', 'last_name', 'size']);
  });

  it('gives matched columns without a key the slug of their header, and other columns unique slugs beside the plan\'s keys', async () => {
    const path = fixture.temp.write(csv(['Name,id,E-mail Address', 'Ann,1,a@x.org']));
    const result = await importFile(fixture.db, path, importJob({ columns: [{ name: 'e-mail address' }, { name: 'Name', key: 'id' }] }));
    expect(result.columns.map((c) => c.key)).toEqual(['id', 'id_2', 'e_mail_address']);
    expect((await readRows(fixture.db.pool, result.listId))[0]!.data).toEqual({ id: 'Ann', id_2: '1', e_mail_address: 'a@x.org' });
  });

  it('applies a planned type', async () => {
    const path = fixture.temp.write(csv(['tags,payload', '"[1,2]","{""a"":1}"']));
    const result = await importFile(fixture.db, path, importJob({ columns: [{ name: 'Payload', type: 'json' }, { name: 'tags', type: 'string' }] }));
    expect(result.columns.map((c) => c.type)).toEqual(['string', 'json']);
    expect((await readRows(fixture.db.pool, result.listId))[0]!.data).toEqual({ tags: '[1,2]', payload: { a: 1 } });
  });

  it('keeps unmatched headers by default, drops them with "drop"', async () => {
    const path = fixture.temp.write(csv(['a,b,c', '1,2,3']));
    const kept = await importFile(fixture.db, path, importJob({ columns: [{ name: 'B' }] }));
    expect(kept.columns.map((c) => c.key)).toEqual(['a', 'b', 'c']);
    const dropped = await importFile(fixture.db, path, importJob({ columns: [{ name: 'c' }, { name: 'A' }], unmappedColumns: 'drop' }));
    expect(dropped.columns.map((c) => c.name)).toEqual(['a', 'c']);
    expect((await readRows(fixture.db.pool, dropped.listId))[0]!.data).toEqual({ a: '1', c: '3' });
    expect((await readColumns(fixture.db.pool, dropped.listId)).map((c) => [c.position, c.key])).toEqual([[1, 'a'], [2, 'c']]);
  });

  it('fails with UNEXPECTED_COLUMNS naming every unmatched header under "fail", writing nothing', async () => {
    const before = await countAll(fixture.db.pool);
    const path = fixture.temp.write(csv(['email,Notes,Fax', 'a@x.org,n,f']));
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'email' }], unmappedColumns: 'fail' })));
    expect(error.code).toBe('UNEXPECTED_COLUMNS');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/"Notes", "Fax"/);
    expect(await countAll(fixture.db.pool)).toEqual(before);
  });

  it('fails with MISSING_COLUMNS naming every required column no header matches', async () => {
    const path = fixture.temp.write(csv(['name,phone', 'Ann,1']));
    const error = await importError(importFile(fixture.db, path, importJob({
      columns: [{ name: 'email', aliases: ['mail'], required: true }, { name: 'name', required: true }, { name: 'id', required: true }, { name: 'fax' }],
    })));
    expect(error.code).toBe('MISSING_COLUMNS');
    expect(error.message).toContain('"email" (or "mail")');
    expect(error.message).toContain('"id"');
    expect(error.message).not.toContain('"fax"');
    expect(error.message).toMatch(/^"[^"]*file-\d+\.csv": the header row \(line 1\)/);
  });

  it('fails with AMBIGUOUS_COLUMNS when two headers match one entry', async () => {
    const path = fixture.temp.write(csv(['Email,E-mail', 'a,b']));
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'email', aliases: ['e-mail'] }] })));
    expect(error.code).toBe('AMBIGUOUS_COLUMNS');
    expect(error.message).toMatch(/"Email" and "E-mail"/);
  });

  it('fails with AMBIGUOUS_COLUMNS when one header matches two entries', async () => {
    const path = fixture.temp.write(csv(['mail,x', 'a,b']));
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'email', aliases: ['mail'] }, { name: 'Mail' }] })));
    expect(error.code).toBe('AMBIGUOUS_COLUMNS');
    expect(error.message).toMatch(/"mail"/);
  });

  it('finds plan errors from the header alone: a broken row later does not hide them', async () => {
    const path = fixture.temp.write(`a,b\n1,2\n"never closed\n`);
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'c', required: true }] })));
    expect(error.code).toBe('MISSING_COLUMNS');
  });

  it('matches positional names without a header', async () => {
    const path = fixture.temp.write(csv(['1,2', '3,4']));
    const result = await importFile(fixture.db, path, importJob({
      csv: { header: false }, columns: [{ name: 'column_2', key: 'second' }], unmappedColumns: 'drop',
    }));
    expect((await readRows(fixture.db.pool, result.listId)).map((r) => r.data)).toEqual([{ second: '2' }, { second: '4' }]);
  });

  describe('notEmpty', () => {
    const file = () => fixture.temp.write(csv(['id,email,notes', '1,a@x.org,', '2,  ,x', '3,,y', '4,d@x.org,z']));
    const plan = [{ name: 'email', notEmpty: true }];

    it('fails a row whose cell is empty after trimming with EMPTY_VALUE, naming row, line and column', async () => {
      const error = await importError(importFile(fixture.db, file(), importJob({ columns: plan })));
      expect(error.code).toBe('EMPTY_VALUE');
      expect(error.problems).toEqual([
        expect.objectContaining({ row: 2, line: 3, column: 'email', code: 'EMPTY_VALUE', value: '  ' }),
        expect.objectContaining({ row: 3, line: 4, column: 'email', code: 'EMPTY_VALUE', value: '' }),
      ]);
      expect(error.message).toMatch(/row 2 \(line 3\), column "email" is empty/);
    });

    it('skips such rows with invalidRows "skip", and an empty cell of another column is fine', async () => {
      const result = await importFile(fixture.db, file(), importJob({ columns: plan, invalidRows: 'skip' }));
      expect(result.skippedRows).toBe(2);
      expect((await readRows(fixture.db.pool, result.listId)).map((r) => r.rowNumber)).toEqual([1, 4]);
    });
  });

  describe('the contract', () => {
    const request = (extra: Record<string, unknown>) => ImportRequest.safeParse({ jobId: 'j', source: { key: 'k.csv' }, list: { name: 'n' }, ...extra });

    it('refuses two entries with one key', () => {
      const parsed = request({ columns: [{ name: 'a', key: 'k' }, { name: 'b', key: 'k' }] });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/key "k"/);
    });

    it('refuses "drop" or "fail" without a columns list', () => {
      expect(request({ unmappedColumns: 'drop' }).success).toBe(false);
      expect(request({ unmappedColumns: 'fail', columns: [{ name: 'a' }] }).success).toBe(true);
    });

    it('refuses unknown entry fields', () => {
      expect(request({ columns: [{ name: 'a', renamed: 'b' }] }).success).toBe(false);
    });
  });
});
