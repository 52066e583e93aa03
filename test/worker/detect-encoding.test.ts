import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { detectEncoding, scanUtf8 } from '../../src/worker/import-csv/encoding/detect-encoding.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

async function encodingError(run: () => Promise<unknown>): Promise<ImportError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof ImportError) return err;
    throw err;
  }
  throw new Error('expected an ENCODING_ERROR');
}

describe('detectEncoding', () => {
  it.each([
    ['UTF-8', [0xef, 0xbb, 0xbf], 'utf-8', 3],
    ['UTF-16LE', [0xff, 0xfe], 'utf-16le', 2],
    ['UTF-16BE', [0xfe, 0xff], 'utf-16be', 2],
  ])('recognises a %s byte-order mark and reports its length', async (_name, bom, encoding, bomLength) => {
    expect(await detectEncoding(bytes(bom, 'a\0,\0b\0'))).toEqual({ encoding, bomLength, confidence: 1 });
  });

  it('lets a BOM win over bytes that look like another encoding', async () => {
    // Windows-1252 bytes after a UTF-16LE BOM are still read as UTF-16LE.
    expect(await detectEncoding(bytes([0xff, 0xfe, 0xe9, 0x00]))).toEqual({ encoding: 'utf-16le', bomLength: 2, confidence: 1 });
  });

  it('reads plain ASCII as UTF-8, marked as a sample that proved nothing', async () => {
    expect(await detectEncoding(bytes('a,b\n1,2\n'))).toEqual({ encoding: 'utf-8', bomLength: 0, confidence: 1, asciiSample: true });
  });

  it('reads valid multi-byte UTF-8 as UTF-8', async () => {
    expect(await detectEncoding(bytes('name\nJosé\nŁukasz\n名前\n😀\n'))).toEqual({ encoding: 'utf-8', bomLength: 0, confidence: 1 });
  });

  it.each([1, 2, 3])('accepts UTF-8 whose last character is cut after %i byte(s) by the end of the sample', async (keep) => {
    const emoji = Buffer.from('😀', 'utf8');
    expect((await detectEncoding(bytes('José,Zoë\n', [...emoji.subarray(0, keep)]))).encoding).toBe('utf-8');
  });

  it('rejects UTF-8 with damaged sequences as ENCODING_ERROR naming the first bad line', async () => {
    const sample = bytes('name\nJosé\nZoë\nRen', [0xc3], 'e\n');
    const err = await encodingError(() => detectEncoding(sample));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 4\b/);
    expect(err.retryable).toBe(false);
  });

  it('rejects a multi-byte sequence that stops short inside the sample (a truncated character)', async () => {
    const err = await encodingError(() => detectEncoding(bytes('042|42|', [0xe2, 0x82, 0x28], '\n')));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 1\b/);
  });

  it('rejects a sample whose only damage is an encoded surrogate, naming its line', async () => {
    const err = await encodingError(() => detectEncoding(bytes('name\nJosé\nx', [0xed, 0xa0, 0x80], '\n')));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b/);
  });

  it('reads Western European text written by Excel as windows-1252', async () => {
    const sample = iconv.encode('Bank Name\u00a0,City\nFirst–Citizens Bank,Santa Clara\nCafé,Zoë\n', 'windows-1252');
    expect((await detectEncoding(sample)).encoding).toBe('windows-1252');
  });

  it('does not read short German text with umlauts before letters as a CJK encoding', async () => {
    const sample = iconv.encode('Name;Ort\r\nJürgen Müller;München\r\nGrüße;Köln\r\n', 'windows-1252');
    const choice = await detectEncoding(sample);
    expect(iconv.decode(sample, choice.encoding)).toBe('Name;Ort\r\nJürgen Müller;München\r\nGrüße;Köln\r\n');
  });

  it.each([
    ['windows-1250', 'Imię;Nazwisko;Miasto\r\nŁukasz;Wiśniewski;Łódź\r\nZofia;Kowalczyk;Gdańsk\r\nMałgorzata;Zając;Kraków\r\n'],
    ['windows-1251', 'Имя;Фамилия;Город\r\nИван;Петров;Москва\r\nМария;Смирнова;Санкт-Петербург\r\nАлексей;Кузнецов;Новосибирск\r\n'],
    ['windows-1253', 'Όνομα,Επώνυμο,Πόλη\r\nΓιώργος,Παπαδόπουλος,Αθήνα\r\nΜαρία,Νικολάου,Θεσσαλονίκη\r\nΚώστας,Γεωργίου,Πάτρα\r\n'],
    ['koi8-r', 'Имя,Фамилия,Город\nИван,Петров,Москва\nМария,Смирнова,Санкт-Петербург\nАлексей,Кузнецов,Новосибирск\n'],
    ['shift_jis', '名前,年齢,住所\r\n山田太郎,30,東京都新宿区\r\n佐藤花子,28,大阪府大阪市\r\n鈴木一郎,32,愛知県名古屋市\r\n'],
  ])('reads a short list of names in %s as that text', async (encoding, text) => {
    const sample = iconv.encode(text, encoding);
    const choice = await detectEncoding(sample);
    expect(iconv.decode(sample, choice.encoding)).toBe(text);
    expect(choice.confidence).toBeGreaterThan(0);
    expect(choice.confidence).toBeLessThanOrEqual(1);
  });

  it('reads UTF-16LE without a byte-order mark', async () => {
    const text = 'Имя\tГород\r\nИван\tМосква\r\nМария\tКазань\r\nПётр\tОмск\r\n';
    const choice = await detectEncoding(iconv.encode(text, 'utf-16le'));
    expect(choice.encoding).toBe('utf-16le');
  });

  it('never picks an encoding that has no character for one of the bytes', async () => {
    // 0x81 and 0x8D are undefined in windows-1252 (iconv-lite would write U+FFFD for them).
    const sample = Buffer.concat([iconv.encode('Name,Ort\nMüller,Köln\nx', 'windows-1252'), Buffer.from([0x81, 0x8d]), Buffer.from('\n')]);
    const choice = await detectEncoding(sample);
    expect(choice.encoding).not.toBe('windows-1252');
    expect(iconv.decode(sample, choice.encoding)).not.toContain('\ufffd');
  });

  it.each([
    ['Latin-1 names from three languages', 'name,city\nSøren,Århus\nJosé,Málaga\nMüller,Köln\n', 'latin1'],
    ['a French line among a thousand English ones', `id,dessert\n1,crème brûlée €\n${'2,apple pie,Springfield\n'.repeat(1000)}`, 'windows-1252'],
  ])('reads %s as windows-1252 when nothing but the detector\'s weak statistics says otherwise', async (_what, text, encoding) => {
    const sample = iconv.encode(text, encoding);
    const choice = await detectEncoding(sample);
    expect(choice.encoding).toBe('windows-1252');
    expect(iconv.decode(sample, choice.encoding)).toBe(text);
  });

  it('keeps the statistics\' choice when windows-1252 would read Central European letters the sample also holds', async () => {
    // Slovene: `č` is `è` in windows-1252, the only letter the two disagree on; `š`, `ž` are alike in both.
    const text = 'Št.;Opis\r\n1;Ključna beseda\r\n2;Možnosti in naštejeta\r\n3;Že res\r\n';
    const sample = iconv.encode(text, 'windows-1250');
    expect(iconv.decode(sample, (await detectEncoding(sample)).encoding)).toBe(text);
  });

  it('reads a German windows-1252 sample as windows-1252 though one byte is one the code page leaves undefined', async () => {
    // Every code page that defines 0x81 reads the umlauts as Cyrillic or symbols inside the words.
    const sample = Buffer.concat([
      iconv.encode('Name;Straße;Ort\r\nJürgen Müller;Hauptstraße 5;München\r\nGrüße;Königsallee;Köln\r\nX', 'windows-1252'),
      Buffer.from([0x81]),
      Buffer.from(';a;b\r\n'),
    ]);
    expect((await detectEncoding(sample)).encoding).toBe('windows-1252');
  });

  it.each([
    ['alone', 'ﾌﾘｶﾞﾅ,ｷﾝｶﾞｸ\r\nﾔﾏﾀﾞ ﾀﾛｳ,10000\r\nｽｽﾞｷ ﾊﾅｺ,20000\r\n', undefined],
    ['without a voicing mark, passing for damaged UTF-8', 'ｼﾒｲ,ｷﾝｶﾞｸ\r\nｻﾄｳ ﾊﾅｺ,100\r\nﾀﾅｶ ｲﾁﾛｳ,200\r\n', 'ja-JP'],
    ['with the uploader in Japan', 'ﾔﾏﾀﾞ ﾀﾛｳ,ﾄｳｷｮｳ\r\nｽｽﾞｷ ﾊﾅｺ,ｵｵｻｶ\r\n', 'ja-JP'],
    ['under a kanji header', '口座番号,ﾌﾘｶﾞﾅ\r\n1234567,ﾔﾏﾀﾞ ﾀﾛｳ\r\n7654321,ｻﾄｳ ﾊﾅｺ\r\n', undefined],
    ['beside one kanji column', 'ID,名前\r\n1,ﾀﾅｶ ﾀﾛｳ\r\n2,ｽｽﾞｷ ｲﾁﾛｳ\r\n', undefined],
  ])('reads half-width katakana %s as Shift_JIS', async (_what, text, locale) => {
    const sample = iconv.encode(text, 'shift_jis');
    const choice = await detectEncoding(sample, { locale });
    expect(choice.encoding).toBe('shift_jis');
    expect(iconv.decode(sample, choice.encoding)).toBe(text);
  });

  it('reads Russian in capitals, whose bytes are half-width katakana too, as windows-1251', async () => {
    const text = 'ФАМИЛИЯ;ИМЯ\r\nИВАНОВ;ПЁТР\r\nЛЮБИМОВА;ОЛЬГА\r\n';
    expect((await detectEncoding(iconv.encode(text, 'windows-1251'))).encoding).toBe('windows-1251');
  });

  it.each([
    ['German', 'Vorname;Nachname;Straße\rJörg;Bäcker;Hauptstraße 1\rUte;Weiß;Königsweg 2\r'],
    ['German with few letters', 'Name;Ort\rJürgen Müller;München\rGrüße;Köln\rStraße;Düsseldorf\r'],
    ['French', 'Nom;Prénom;Ville\rDupont;Stéphane;Besançon\rMartin;Cécile;Nîmes\rLeroy;Gaëlle;Orléans\r'],
  ])('reads %s from Excel for Mac (Mac OS Roman) as macintosh', async (_language, text) => {
    const sample = iconv.encode(text, 'macintosh');
    const choice = await detectEncoding(sample);
    expect(choice.encoding).toBe('macintosh');
    expect(iconv.decode(sample, choice.encoding)).toBe(text);
  });

  it('lets the uploader\'s locale choose between code pages the bytes do not tell apart', async () => {
    // "Všetko dobré" in windows-1250 reads as "Vetko dobré" in windows-1252: both plausible.
    const sample = iconv.encode('Názov;Popis\r\nVšetko;dobré\r\n', 'windows-1250');
    expect((await detectEncoding(sample, { locale: 'sk-SK' })).encoding).toBe('windows-1250');
    expect(iconv.decode(sample, (await detectEncoding(sample, { locale: 'sk' })).encoding)).toBe('Názov;Popis\r\nVšetko;dobré\r\n');
  });

  it('keeps what the bytes show over the locale', async () => {
    const text = 'Имя;Фамилия\r\nИван;Петров\r\nМария;Смирнова\r\nАлексей;Кузнецов\r\n';
    const sample = iconv.encode(text, 'windows-1251');
    expect((await detectEncoding(sample, { locale: 'de-DE' })).encoding).toBe('windows-1251');
  });

  it('uses a declared encoding without guessing, and drops a BOM only when it matches', async () => {
    expect(await detectEncoding(bytes('abc'), { declared: 'windows-1252' })).toEqual({ encoding: 'windows-1252', bomLength: 0, confidence: 1 });
    expect(await detectEncoding(bytes([0xef, 0xbb, 0xbf], 'abc'), { declared: 'UTF8' })).toEqual({ encoding: 'utf-8', bomLength: 3, confidence: 1 });
    expect(await detectEncoding(bytes([0xff, 0xfe], 'a\0'), { declared: 'utf-16le' })).toEqual({ encoding: 'utf-16le', bomLength: 2, confidence: 1 });
    expect(await detectEncoding(bytes([0xef, 0xbb, 0xbf], 'abc'), { declared: 'latin1' })).toEqual({ encoding: 'latin1', bomLength: 0, confidence: 1 });
  });

  it('does not reject a declared encoding over bytes that are not valid UTF-8', async () => {
    expect((await detectEncoding(bytes('Ren', [0xc3], 'e\n'), { declared: 'windows-1252' })).encoding).toBe('windows-1252');
  });
});

describe('scanUtf8', () => {
  it('finds damage exactly where Node\'s own UTF-8 validation does', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 3 }).map((s) => [...Buffer.from(s, 'utf8')]),
      fc.array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 4 }),
      fc.constantFrom([0xed, 0xa0, 0x80], [0xe0, 0x9f, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xc1, 0xbf]),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        // A final newline, so no sequence is excused as cut by the end of the sample.
        const b = Buffer.from([...pieces.flat(), 0x0a]);
        const scan = scanUtf8(b);
        expect(scan.garbage + scan.truncated === 0).toBe(isUtf8(b));
      }),
      { numRuns: 2000 },
    );
  });
});
