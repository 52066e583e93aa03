import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readColumns, readRows } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/**
 * The detection cases of issue 15 (docs/ENCODINGS.md), through the engine into PostgreSQL and
 * through the import-file command: files a user's spreadsheet writes, read as the text they hold.
 */

const run = promisify(execFile);

interface Case {
  encoding: string;
  text: string;
  locale?: string;
}

const asciiRows = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `${from + i},Customer ${from + i},Springfield,apple pie\n`).join('');

/** A windows-1252 file whose first MiB is ASCII, with three accented rows far apart after it. */
function asciiFirstMegabyte(): string {
  const start = asciiRows(1, 30_000);
  const n = 30_001;
  return (
    `id,name,city,dessert\n${start}${n},Café Müller,Bonn,tart\n${asciiRows(n + 1, 300)}` +
    `${n + 301},Anna,Zürich,cake\n${asciiRows(n + 302, 300)}${n + 602},Jean,Lyon,crème brûlée €\n${asciiRows(n + 603, 3000)}`
  );
}

const CASES: Record<string, Case> = {
  'Latin-1 names from three languages': { encoding: 'latin1', text: 'name,city\nSøren,Århus\nJosé,Málaga\nMüller,Köln\n' },
  'half-width katakana (a bank export)': { encoding: 'shift_jis', text: 'ﾌﾘｶﾞﾅ,ｷﾝｶﾞｸ\r\nﾔﾏﾀﾞ ﾀﾛｳ,10000\r\nｽｽﾞｷ ﾊﾅｺ,20000\r\n' },
  'half-width katakana under a kanji header': { encoding: 'shift_jis', text: '口座番号,ﾌﾘｶﾞﾅ\r\n1234567,ﾔﾏﾀﾞ ﾀﾛｳ\r\n7654321,ｻﾄｳ ﾊﾅｺ\r\n' },
  'half-width katakana with csv.locale ja-JP': { encoding: 'shift_jis', text: 'ｼﾒｲ,ｷﾝｶﾞｸ\r\nｻﾄｳ ﾊﾅｺ,100\r\nﾀﾅｶ ｲﾁﾛｳ,200\r\n', locale: 'ja-JP' },
  'German from Excel for Mac': { encoding: 'macintosh', text: 'Vorname;Nachname;Straße\rJörg;Bäcker;Hauptstraße 1\rUte;Weiß;Königsweg 2\r' },
  'French from Excel for Mac': { encoding: 'macintosh', text: 'Nom;Prénom;Ville\rDupont;Stéphane;Besançon\rMartin;Cécile;Nîmes\rLeroy;Gaëlle;Orléans\r' },
};

/** What a spreadsheet program shows of the text: the header and the rows, cell by cell. */
function table(text: string): { names: string[]; rows: string[][] } {
  const delimiter = text.includes(';') ? ';' : ',';
  const [header, ...rows] = text.split(/\r\n|\n|\r/).filter(Boolean).map((line) => line.split(delimiter));
  return { names: header!, rows };
}

describe('encoding detection cases', () => {
  const fixture = useEngineFixture();

  async function stored(listId: string | undefined) {
    const columns = await readColumns(fixture.db.pool, listId);
    const rows = await readRows(fixture.db.pool, listId);
    return { names: columns.map((c) => c.name), rows: rows.map((r) => columns.map((c) => r.data[c.key] as string)) };
  }

  async function cli(path: string, locale?: string): Promise<Record<string, any>> {
    const args = ['tsx', 'src/worker/import-file.ts', path, ...(locale ? ['--locale', locale] : [])];
    const env = { ...process.env, DATABASE_URL: fixture.db.url, LOG_LEVEL: 'silent' };
    const stdout = await run('npx', args, { env }).then(
      (r) => r.stdout,
      (e: { stdout: string }) => e.stdout,
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  }

  it.each(Object.entries(CASES))('stores %s exactly, through the engine', async (_name, c) => {
    const path = fixture.temp.write(iconv.encode(c.text, c.encoding));
    const result = await importFile(fixture.db, path, importJob({ csv: { locale: c.locale } }));
    expect(result.encoding).toBe(c.encoding === 'latin1' ? 'windows-1252' : c.encoding);
    expect(await stored(result.listId)).toEqual(table(c.text));
  });

  it.each(Object.entries(CASES))('stores %s exactly, through import-file', async (_name, c) => {
    const out = await cli(fixture.temp.write(iconv.encode(c.text, c.encoding)), c.locale);
    expect(out.error).toBeUndefined();
    expect(out.encoding).toBe(c.encoding === 'latin1' ? 'windows-1252' : c.encoding);
    expect(await stored(out.listId)).toEqual(table(c.text));
  });

  it('re-reads a windows-1252 file whose first MiB is ASCII as windows-1252, through the engine and import-file', async () => {
    const text = asciiFirstMegabyte();
    expect(text.indexOf('é')).toBeGreaterThan(1024 * 1024);
    const path = fixture.temp.write(iconv.encode(text, 'windows-1252'));
    const fromEngine = await importFile(fixture.db, path);
    const fromCli = await cli(path);
    for (const result of [fromEngine, fromCli]) {
      expect(result).toMatchObject({ encoding: 'windows-1252', rows: 33_603 });
      const rows = await readRows(fixture.db.pool, result.listId, [30_001, 30_302, 30_603]);
      expect(rows.map((r) => [r.data.name, r.data.city, r.data.dessert])).toEqual([
        ['Café Müller', 'Bonn', 'tart'],
        ['Anna', 'Zürich', 'cake'],
        ['Jean', 'Lyon', 'crème brûlée €'],
      ]);
    }
  });

  it('fails a German windows-1252 file holding a byte windows-1252 leaves undefined, naming the line and the byte', async () => {
    const bytes = Buffer.concat([
      iconv.encode('Name;Straße;Ort\r\nJürgen Müller;Hauptstraße 5;München\r\nGrüße;Königsallee;Köln\r\nBrandt', 'windows-1252'),
      Buffer.from([0x81]),
      Buffer.from(';Ring 1;Bonn\r\n'),
    ]);
    const path = fixture.temp.write(bytes);
    const job = importJob();
    const err = await importError(importFile(fixture.db, path, job));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 4 has the byte 0x81 after "Brandt" that windows-1252 has no character for/);
    const { error } = await cli(path);
    expect(error).toMatchObject({ code: 'ENCODING_ERROR', message: expect.stringMatching(/line 4 has the byte 0x81\b.*windows-1252/) });
    const { rows } = await fixture.db.pool.query('select 1 from lists where job_id = $1', [job.jobId]);
    expect(rows).toEqual([]);
  });
});
