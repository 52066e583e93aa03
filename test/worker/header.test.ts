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

  it('keys a name with nothing ASCII left by its position, and keeps the name', () => {
    expect(buildColumns(['名前', '年齢'])).toEqual([
      { key: 'column_1', name: '名前', type: 'string' },
      { key: 'column_2', name: '年齢', type: 'string' },
    ]);
  });

  it('keeps position keys unique against a real column called column_1', () => {
    expect(keys(['名前', 'column_1'])).toEqual(['column_1', 'column_1_2']);
  });

  it('carries the given types and defaults the rest to string', () => {
    expect(buildColumns(['a', 'b', 'c'], ['json', 'string']).map((c) => c.type)).toEqual(['json', 'string', 'string']);
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

  it.each([['名前'], ['Ψυχή'], ['🦆'], ['']])('drops letters it cannot transliterate: %j gives an empty slug', (name) => {
    expect(slugify(name)).toBe('');
  });

  it('keeps the ASCII part of a mixed name', () => {
    expect(slugify('Preis €/m²')).toBe('preis_m2');
  });

  it('caps keys at 63 characters, PostgreSQL\'s identifier length', () => {
    expect(slugify('a'.repeat(100))).toHaveLength(63);
  });
});

describe('positionalNames', () => {
  it('names header-less columns column_1 … column_N', () => {
    expect(positionalNames(3)).toEqual(['column_1', 'column_2', 'column_3']);
    expect(positionalNames(0)).toEqual([]);
  });
});
