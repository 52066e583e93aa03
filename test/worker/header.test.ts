import { describe, expect, it } from 'vitest';
import { buildColumns, positionalNames, slugify } from '../../src/worker/import-csv/header.js';

const names = (raw: string[]) => buildColumns(raw).map((c) => c.name);
const keys = (raw: string[]) => buildColumns(raw).map((c) => c.key);

describe('buildColumns', () => {
  it('trims spaces, tabs, line breaks, NBSP and a stray BOM from names', () => {
    expect(names([' a ', 'b\u00a0', '\ufeffc', '\t\n d \r\n'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps whitespace inside a name', () => {
    expect(names(['first  name', 'x\ty'])).toEqual(['first  name', 'x\ty']);
  });

  it('removes NUL characters from names', () => {
    expect(names(['col\u00002'])).toEqual(['col2']);
  });

  it('names an empty or blank header after its position', () => {
    expect(buildColumns(['a', '', '  ', 'e'])).toEqual([
      { key: 'a', name: 'a', type: 'string' },
      { key: 'column_2', name: 'column_2', type: 'string' },
      { key: 'column_3', name: 'column_3', type: 'string' },
      { key: 'e', name: 'e', type: 'string' },
    ]);
  });

  it('numbers repeated names " (2)", " (3)" in order', () => {
    expect(names(['id', 'name', 'id', 'id'])).toEqual(['id', 'name', 'id (2)', 'id (3)']);
  });

  it('does not reuse a numbered name the file already has', () => {
    expect(names(['a', 'a (2)', 'a'])).toEqual(['a', 'a (2)', 'a (3)']);
  });

  it('treats names that differ only by surrounding whitespace as duplicates', () => {
    expect(names(['a', ' a '])).toEqual(['a', 'a (2)']);
  });

  it('gives every column a unique key, even when names slug alike', () => {
    expect(keys(['First Name', 'first_name', 'FIRST-NAME', 'first name (2)'])).toEqual([
      'first_name',
      'first_name_2',
      'first_name_3',
      'first_name_2_2',
    ]);
  });

  it('keys a name in any script by its own letters, and keeps the name', () => {
    expect(buildColumns(['名前', '年齢'])).toEqual([
      { key: '名前', name: '名前', type: 'string' },
      { key: '年齢', name: '年齢', type: 'string' },
    ]);
  });

  it('keys a name with no letter or digit left by its position, and keeps the name', () => {
    expect(buildColumns(['🦆', '€ / $'])).toEqual([
      { key: 'column_1', name: '🦆', type: 'string' },
      { key: 'column_2', name: '€ / $', type: 'string' },
    ]);
  });

  it('keeps position keys unique against a real column called column_1', () => {
    expect(keys(['🦆', 'column_1'])).toEqual(['column_1', 'column_1_2']);
  });

  it('trims in linear time, even around a long run of inner spaces', () => {
    // The old trim regex backtracked from every space of an inner run: 60,000 took 7 s, and each
    // doubling four times longer.
    const pad = ' '.repeat(60_000);
    const started = performance.now();
    expect(names([`x${pad}y`, `${pad}\u00a0x${pad}\ufeffy${pad}`])).toEqual([`x${pad}y`, `x${pad}\ufeffy`]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

});

describe('slugify', () => {
  it.each([
    ['First Name', 'first_name'],
    ['firstName', 'first_name'],
    ['Post-9/11GI Bill Program', 'post_9_11_gi_bill_program'],
    ["Dependents' Educational Assistance", 'dependents_educational_assistance'],
    ['  --Total ($)--  ', 'total'],
    ['Zip Code (US)', 'zip_code_us'],
    ['start \t\n\v\f\r end', 'start_end'],
  ])('turns %j into the snake_case key %j', (name, key) => {
    expect(slugify(name)).toBe(key);
  });

  it.each([
    ['José Álvarez', 'jose_alvarez'],
    ['Straße', 'strasse'],
    ['Ñandú', 'nandu'],
    ['Dvořák', 'dvorak'],
    ['ﬁle', 'file'],
  ])('transliterates the accents of %j', (name, key) => {
    expect(slugify(name)).toBe(key);
  });

  it.each([
    ['Имя', 'имя'],
    ['Фамилия Имя', 'фамилия_имя'],
    ['Дата рождения', 'дата_рождения'],
    ['Йошкар-Ола', 'йошкар_ола'],
    ['Ёлка', 'ёлка'],
    ['名前', '名前'],
    ['生年月日 (西暦)', '生年月日_西暦'],
    ['ｶﾀｶﾅ', 'カタカナ'],
    ['データ', 'データ'],
    ['이름', '이름'],
    ['Ψυχή', 'ψυχή'],
    ['ΟΔΟΣ', 'οδος'],
    ['שם פרטי', 'שם_פרטי'],
    ['الاسم الكامل', 'الاسم_الكامل'],
    ['ชื่อ', 'ชื่อ'],
    ['नाम', 'नाम'],
    ['مشتری‌ها', 'مشتری‌ها'],
    ['имяФамилия', 'имя_фамилия'],
    ['Номер №5', 'номер_no5'],
    ['١٢٣ رقم', '١٢٣_رقم'],
  ])('keeps the letters and digits of every script: %j gives %j', (name, key) => {
    expect(slugify(name)).toBe(key);
  });

  it.each([
    ['Größe', 'grosse'],
    ['Łukasz Żółć', 'lukasz_zolc'],
    ['Søren Ærø', 'soren_aero'],
    ['İstanbul ılık', 'istanbul_ilik'],
    ['Tiếng Việt', 'tieng_viet'],
    ['Þórður Đorđe', 'thordur_dorde'],
    ['Œuvre', 'oeuvre'],
  ])('folds Latin letters to ASCII: %j gives %j', (name, key) => {
    expect(slugify(name)).toBe(key);
  });

  it.each([['🦆'], ['€ / $'], ['\u0301'], ['\u200c'], ['']])('gives an empty slug to a name with no letter or digit: %j', (name) => {
    expect(slugify(name)).toBe('');
  });

  it('is the same key however the name is normalised', () => {
    expect(slugify('Ёлка'.normalize('NFD'))).toBe(slugify('Ёлка'.normalize('NFC')));
    expect(slugify('Ёлка'.normalize('NFD'))).toBe('ёлка'.normalize('NFC'));
  });

  it('keeps the ASCII part of a mixed name', () => {
    expect(slugify('Preis €/m²')).toBe('preis_m2');
  });

  it('caps keys at 63 characters, PostgreSQL\'s identifier length', () => {
    expect(slugify('a'.repeat(100))).toHaveLength(63);
  });

  it('caps by characters, never cutting an astral character in half', () => {
    const key = slugify('𠜎'.repeat(100));
    expect(Array.from(key)).toEqual(Array(63).fill('𠜎'));
  });
});

describe('positionalNames', () => {
  it('names header-less columns column_1 … column_N', () => {
    expect(positionalNames(3)).toEqual(['column_1', 'column_2', 'column_3']);
    expect(positionalNames(0)).toEqual([]);
  });
});
