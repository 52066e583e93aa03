import { describe, expect, it } from 'vitest';
import type { ColumnFormat } from '../../../src/shared/contract.js';
import { ImportError } from '../../../src/shared/errors.js';
import { createValueParser, type TypedColumn } from '../../../src/worker/import-csv/values/value-parser.js';

const parser = (type: TypedColumn['type'], format?: ColumnFormat, locale?: string) => createValueParser({ name: 'C', type, format }, locale);
const read = (type: TypedColumn['type'], value: string, format?: ColumnFormat, locale?: string) => parser(type, format, locale).parse(value);

describe('dates, datetimes and times', () => {
  it.each([
    ['date', '2024-03-01', undefined, '"2024-03-01"'],
    ['date', '2024-02-29', undefined, '"2024-02-29"'],
    ['date', '01.03.2024', { pattern: 'DD.MM.YYYY' }, '"2024-03-01"'],
    ['date', '3/1/2024', { pattern: 'M/D/YYYY' }, '"2024-03-01"'],
    ['date', '12/31/2024', { pattern: 'M/D/YYYY' }, '"2024-12-31"'],
    ['date', '01.03.24', { pattern: 'DD.MM.YY' }, '"2024-03-01"'],
    ['date', '01.03.99', { pattern: 'DD.MM.YY' }, '"1999-03-01"'],
    ['date', '20240301', { pattern: 'YYYYMMDD' }, '"2024-03-01"'],
    ['datetime', '2024-03-01T14:05:00', undefined, '"2024-03-01T14:05:00"'],
    ['datetime', '2024-03-01 14:05', undefined, '"2024-03-01T14:05:00"'],
    ['datetime', '2024-03-01T14:05:09.250Z', undefined, '"2024-03-01T14:05:09.250Z"'],
    ['datetime', '2024-03-01T14:05:09+0200', undefined, '"2024-03-01T14:05:09+02:00"'],
    ['datetime', '2024-03-01T14:05:09-05', undefined, '"2024-03-01T14:05:09-05:00"'],
    ['datetime', '01.03.2024 14:05', { pattern: 'DD.MM.YYYY HH:mm' }, '"2024-03-01T14:05:00"'],
    ['datetime', '1.3.2024 9:05:07', { pattern: 'D.M.YYYY H:mm:ss' }, '"2024-03-01T09:05:07"'],
    ['time', '14:05', undefined, '"14:05:00"'],
    ['time', '14:05:09', undefined, '"14:05:09"'],
    ['time', '14:05:09.5', undefined, '"14:05:09.5"'],
    ['time', '9.05', { pattern: 'H.mm' }, '"09:05:00"'],
  ] as const)('%s %j (%j) is stored as %s', (type, value, format, stored) => {
    expect(read(type, value, format)).toBe(stored);
  });

  it.each([
    ['date', '2023-02-29', undefined],
    ['date', '2024-13-01', undefined],
    ['date', '2024-3-1', undefined],
    ['date', '01.03.2024', undefined],
    ['date', '2024-03-01 ', undefined],
    ['date', '1.3.2024', { pattern: 'DD.MM.YYYY' }],
    ['date', '31/04/2024', { pattern: 'DD/MM/YYYY' }],
    ['datetime', '2024-03-01', undefined],
    ['datetime', '2024-03-01T24:00', undefined],
    ['datetime', '2024-03-01T14:05+25:00', undefined],
    ['time', '14:60', undefined],
    ['time', '1405', undefined],
    ['time', '14:05.5', undefined],
  ] as const)('%s %j (%j) is not one', (type, value, format) => {
    expect(read(type, value, format)).toBeUndefined();
  });

  it.each([
    ['date', 'DD.MM', /year, month and day/],
    ['date', 'DD.MM.YYYY HH:mm', /year, month and day/],
    ['datetime', 'DD.MM.YYYY', /hour and minute/],
    ['time', 'HH', /hour and minute/],
  ] as const)('refuses a %s pattern %j that cannot name one, before any row', (type, pattern, words) => {
    const error = (() => {
      try {
        parser(type, { pattern });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe('INVALID_OPTIONS');
    expect((error as ImportError).message).toMatch(words);
    expect((error as ImportError).message).toContain('column "C"');
  });

  it('says what was expected', () => {
    expect(parser('date', { pattern: 'DD.MM.YYYY' }).expected).toBe('a date as DD.MM.YYYY');
    expect(parser('date').expected).toBe('a date as YYYY-MM-DD');
  });
});

describe('the locale decides what no format says', () => {
  it('de-DE: "," decimal, "." group, day before month', () => {
    expect(read('number', '1.234,5', undefined, 'de-DE')).toBe('1234.5');
    expect(read('number', '1,5', undefined, 'de-DE')).toBe('1.5');
    expect(read('number', '1.5', undefined, 'de-DE')).toBeUndefined();
    expect(read('date', '03.04.2024', undefined, 'de-DE')).toBe('"2024-04-03"');
    expect(read('date', '2024-04-03', undefined, 'de-DE')).toBe('"2024-04-03"');
    expect(read('datetime', '03.04.2024 14:05', undefined, 'de-DE')).toBe('"2024-04-03T14:05:00"');
    expect(parser('number', undefined, 'de-DE').format).toEqual({ decimalChar: ',', groupChar: '.' });
  });

  it('en-US: "." decimal, "," group, month before day', () => {
    expect(read('number', '1,234.5', undefined, 'en-US')).toBe('1234.5');
    expect(read('number', '1,5', undefined, 'en-US')).toBeUndefined();
    expect(read('date', '03/04/2024', undefined, 'en-US')).toBe('"2024-03-04"');
    expect(read('date', '13/04/2024', undefined, 'en-US')).toBeUndefined();
  });

  it('fr-FR: "," decimal, a space between groups (any of the spaces files use)', () => {
    expect(read('number', '1 234,5', undefined, 'fr-FR')).toBe('1234.5');
    expect(read('number', '1\u00a0234,5', undefined, 'fr-FR')).toBe('1234.5');
    expect(read('date', '03/04/2024', undefined, 'fr-FR')).toBe('"2024-04-03"');
  });

  it('a declared format wins over the locale', () => {
    expect(read('number', '1.5', { decimalChar: '.' }, 'de-DE')).toBe('1.5');
    expect(read('date', '2024/04/03', { pattern: 'YYYY/MM/DD' }, 'de-DE')).toBe('"2024-04-03"');
  });

  it('without either: "." decimal, no group, ISO 8601', () => {
    expect(read('number', '1,234.5')).toBeUndefined();
    expect(read('number', '1234.5')).toBe('1234.5');
    expect(read('date', '03.04.2024')).toBeUndefined();
    expect(parser('number').expected).toBe('a number with "." as decimal separator');
  });
});

describe('booleans', () => {
  it.each([['true', 'true'], ['TRUE', 'true'], ['False', 'false'], ['1', 'true'], ['0', 'false']])('reads %j as %s by default', (value, stored) => {
    expect(read('boolean', value)).toBe(stored);
  });

  it('reads declared words, in any case, and nothing else', () => {
    const format = { trueValues: ['ja'], falseValues: ['nein'] };
    expect(read('boolean', 'Ja', format)).toBe('true');
    expect(read('boolean', 'nein', format)).toBe('false');
    expect(read('boolean', 'true', format)).toBeUndefined();
    expect(read('boolean', 'yes')).toBeUndefined();
  });

  it('refuses a word among both lists', () => {
    expect(() => parser('boolean', { trueValues: ['x'], falseValues: ['X'] })).toThrow(/both trueValues and falseValues/);
  });
});

describe('email, url and uuid: stored as written, checked', () => {
  it.each([
    ['email', 'ann.lee+tag@example.co.uk', true],
    ['email', 'zoë@exämple.de', true],
    ['email', 'not-an-email', false],
    ['email', 'a@b', false],
    ['email', 'a b@example.org', false],
    ['email', 'Ann <a@example.org>', false],
    ['url', 'https://example.org/a?b=c#d', true],
    ['url', 'http://localhost:8080', true],
    ['url', 'example.org', false],
    ['url', 'javascript:alert(1)', false],
    ['url', 'https://exa mple.org', false],
    ['uuid', '123e4567-e89b-12d3-a456-426614174000', true],
    ['uuid', '123E4567-E89B-12D3-A456-426614174000', true],
    ['uuid', '123e4567e89b12d3a456426614174000', false],
  ] as const)('%s %j: %s', (type, value, ok) => {
    const stored = read(type, value);
    expect(stored).toBe(ok ? JSON.stringify(value) : undefined);
  });
});

describe('formats that do not fit the type', () => {
  it('refuses a format key the type does not take, naming it', () => {
    expect(() => parser('date', { decimalChar: ',' })).toThrow(/type date, which takes no format "decimalChar"/);
    expect(() => parser('email', { pattern: 'x' })).toThrow(/"pattern"/);
  });
});
