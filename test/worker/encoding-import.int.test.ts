import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readColumns, readRows } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { bufferSource } from '../helpers/buffer-source.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** How the engine reads files that are not UTF-8 (DESIGN §5.1), end to end into PostgreSQL. */

const run = promisify(execFile);

describe('importing files in legacy encodings', () => {
  const fixture = useEngineFixture();

  async function listsOf(jobId: string): Promise<number> {
    const { rows } = await fixture.db.pool.query<{ n: number }>('select count(*)::int as n from lists where job_id = $1', [jobId]);
    return rows[0]!.n;
  }

  async function stored(listId: string | undefined) {
    const columns = await readColumns(fixture.db.pool, listId);
    const rows = await readRows(fixture.db.pool, listId);
    return { names: columns.map((c) => c.name), rows: rows.map((r) => columns.map((c) => r.data[c.key])) };
  }

  it('reads a windows-1252 file whose first 64 KiB are plain ASCII in windows-1252, not failing at its first é', async () => {
    const ascii = Array.from({ length: 3000 }, (_, i) => `${i + 1},Customer ${i + 1},Springfield`);
    const text = `n,name,city\n${ascii.join('\n')}\n3001,José Müller,Zürich\n3002,Zoë Ærø,Århus\n`;
    expect(text.indexOf('é')).toBeGreaterThan(64 * 1024);
    const result = await importFile(fixture.db, fixture.temp.write(iconv.encode(text, 'windows-1252')));
    expect(result).toMatchObject({ rows: 3002, encoding: 'windows-1252' });
    const [last, lastButOne] = (await readRows(fixture.db.pool, result.listId, [3001, 3002])).map((r) => r.data.name);
    expect([last, lastButOne]).toEqual(['José Müller', 'Zoë Ærø']);
  });

  it('still fails a file that is UTF-8 with a damaged character after an ASCII start, naming its line', async () => {
    const ascii = Array.from({ length: 3000 }, (_, i) => `${i + 1},Customer ${i + 1}`).join('\n');
    const bytes = Buffer.concat([Buffer.from(`n,name\n${ascii}\n3001,José\n3002,Ren`), Buffer.from([0xc3]), Buffer.from('e\n')]);
    const job = importJob();
    const err = await importError(importFile(fixture.db, fixture.temp.write(bytes), job));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3003\b/);
    expect(await listsOf(job.jobId)).toBe(0);
  });

  it('fails, naming the line, a declared windows-1252 file holding a byte windows-1252 has no character for', async () => {
    const bytes = Buffer.concat([iconv.encode('name,city\nZoë,Köln\nAnna,Ulm\nMax,', 'windows-1252'), Buffer.from([0x81]), Buffer.from('\n')]);
    const job = importJob({ csv: { encoding: 'windows-1252' } });
    const err = await importError(importFile(fixture.db, fixture.temp.write(bytes), job));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 4\b.*windows-1252 has no character/);
    expect(await listsOf(job.jobId)).toBe(0);
  });

  it('reads half-width katakana in Shift_JIS as Shift_JIS, never as windows-1252 with U+FFFD', async () => {
    const text = 'ｺｰﾄﾞ,ﾒｲｼｮｳ\r\n001,ｶﾌﾞｼｷｶﾞｲｼｬ ﾔﾏﾀﾞ\r\n002,ﾕｳｹﾞﾝｶﾞｲｼｬ ｻﾄｳ\r\n003,ﾀﾅｶ ｼｮｳﾃﾝ\r\n';
    const result = await importFile(fixture.db, fixture.temp.write(iconv.encode(text, 'shift_jis')));
    expect(result.encoding).toBe('shift_jis');
    const { names, rows } = await stored(result.listId);
    expect(names).toEqual(['ｺｰﾄﾞ', 'ﾒｲｼｮｳ']);
    expect(rows).toEqual([['001', 'ｶﾌﾞｼｷｶﾞｲｼｬ ﾔﾏﾀﾞ'], ['002', 'ﾕｳｹﾞﾝｶﾞｲｼｬ ｻﾄｳ'], ['003', 'ﾀﾅｶ ｼｮｳﾃﾝ']]);
  });

  it('reports the encoding and its confidence in the result', async () => {
    const text = 'Имя;Фамилия;Город\r\nИван;Петров;Москва\r\nМария;Смирнова;Казань\r\n';
    const result = await importFile(fixture.db, fixture.temp.write(iconv.encode(text, 'windows-1251')));
    expect(result.encoding).toBe('windows-1251');
    expect(result.encodingConfidence).toBeGreaterThan(0.5);
    expect(result.encodingConfidence).toBeLessThanOrEqual(1);
    expect((await stored(result.listId)).names).toEqual(['Имя', 'Фамилия', 'Город']);
  });

  it('takes the uploader\'s locale as the code page when the bytes do not decide', async () => {
    // One line of Slovak: "š" (0x9A) reads as "š" in windows-1250 and 1252 alike, "ľ" (0xBE) as "ľ" or "¾".
    const text = 'Meno;Poznámka\r\nĽubica;veľmi dobré\r\n';
    const bytes = iconv.encode(text, 'windows-1250');
    const result = await importFile(fixture.db, fixture.temp.write(bytes), importJob({ csv: { locale: 'sk-SK' } }));
    expect(result.encoding).toBe('windows-1250');
    expect((await stored(result.listId)).rows).toEqual([['Ľubica', 'veľmi dobré']]);
  });

  it('takes --locale on the import-file command', async () => {
    const text = 'Meno;Poznámka\r\nĽubica;veľmi dobré\r\n';
    const path = fixture.temp.write(iconv.encode(text, 'windows-1250'));
    const { stdout } = await run('npx', ['tsx', 'src/worker/import-file.ts', path, '--locale', 'sk'], {
      env: { ...process.env, DATABASE_URL: fixture.db.url, LOG_LEVEL: 'silent' },
    });
    expect(JSON.parse(stdout)).toMatchObject({ rows: 1, encoding: 'windows-1250' });
  });

  it.each(['shift_jis', 'gbk'])('reads a %s file with CR line ends (old Mac Excel) whose first chunk ends inside a character', async (encoding) => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1},山田太郎,東京都新宿区`);
    const text = `番号,名前,住所\r${rows.join('\r')}\r`;
    const bytes = iconv.encode(text, encoding);
    // The first chunk, the sample, ends after the lead byte of the first character past 64 KiB.
    let cut = 0;
    for (const ch of text) {
      const size = iconv.encode(ch, encoding).length;
      if (cut > 64 * 1024 && size === 2) break;
      cut += size;
    }
    cut += 1;
    const result = await importFile(fixture.db, 'unused', importJob(), { source: bufferSource(bytes, [cut]) });
    expect(iconv.decode(bytes, result.encoding!)).toBe(text);
    expect((await readRows(fixture.db.pool, result.listId!, [3000]))[0]!.data).toMatchObject({ 名前: '山田太郎', 住所: '東京都新宿区' });
  });

  it('names the right line of a damaged byte in a file with CR line ends', async () => {
    const bytes = Buffer.concat([Buffer.from('name,city\rJosé,Köln\rZoë,Ulm\rRen'), Buffer.from([0xc3]), Buffer.from('e,Bonn\r')]);
    const err = await importError(importFile(fixture.db, fixture.temp.write(bytes)));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 4\b/);
  });

  it('refuses a locale that is not a BCP 47 tag', () => {
    expect(() => importJob({ csv: { locale: 'en_US' } })).toThrow(/BCP 47/);
  });
});
