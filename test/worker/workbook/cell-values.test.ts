import { describe, expect, it } from 'vitest';
import { serialToIso } from '../../../src/worker/import-csv/sources/workbook/cell-dates.js';
import { normaliseNumber } from '../../../src/worker/import-csv/sources/workbook/cell-numbers.js';
import { dateKindOf } from '../../../src/worker/import-csv/sources/workbook/date-formats.js';

describe('normaliseNumber', () => {
  it('gives the shortest decimal naming the double Excel wrote 17 digits of', () => {
    expect(normaliseNumber('1.1000000000000001')).toBe('1.1');
    expect(normaliseNumber('0.30000000000000004')).toBe('0.30000000000000004');
    expect(normaliseNumber('12.50')).toBe('12.5');
  });

  it('drops exponents, signs of zero and padding inside JavaScript’s plain range, keeps them beyond', () => {
    expect(normaliseNumber('1.50E+2')).toBe('150');
    expect(normaliseNumber('-0')).toBe('0');
    expect(normaliseNumber('-1.2345E-5')).toBe('-0.000012345');
    expect(normaliseNumber('1E+300')).toBe('1E+300');
    expect(normaliseNumber('1.5E-7')).toBe('1.5E-7');
  });

  it('keeps digits beyond what a double holds as written, rather than round them', () => {
    expect(normaliseNumber('12345678901234567890')).toBe('12345678901234567890');
  });

  it('returns a number as written only where the general rule gives the same text', () => {
    // `E0` keeps the value and takes the general rule's path (which prints the double).
    const general = (text: string) => normaliseNumber(`${text}E0`);
    const edges = ['0', '-0', '5', '-5', '0.5', '0.000001', '0.0000001', '-0.0000015', '100000000000000000000', '1000000000000000000000',
      '123456789012345', '1234567890123456', '12345678901234567', '0.123456789012345', '0.1234567890123456', '9007199254740993', '1500', '-1500.25'];
    for (const text of [...edges, ...randomDecimals(20_000)]) expect(normaliseNumber(text), text).toBe(general(text));
  });

  it('has no value for text that is no number', () => {
    expect(normaliseNumber('12,5')).toBeUndefined();
    expect(normaliseNumber('NaN')).toBeUndefined();
  });
});

describe('serialToIso', () => {
  it('reads the 1900 system with its phantom 29 February 1900, and refuses that day', () => {
    expect(serialToIso(1, 'date', false)).toBe('1900-01-01');
    expect(serialToIso(59, 'date', false)).toBe('1900-02-28');
    expect(serialToIso(60, 'date', false)).toBeUndefined();
    expect(serialToIso(61, 'date', false)).toBe('1900-03-01');
    expect(serialToIso(45352, 'date', false)).toBe('2024-03-01');
  });

  it('reads the 1904 system from 1904-01-01', () => {
    expect(serialToIso(0, 'date', true)).toBe('1904-01-01');
    expect(serialToIso(43890, 'date', true)).toBe('2024-03-01');
  });

  it('agrees with the calendar of JavaScript’s Date on every kind of serial, in both systems', () => {
    const DAY_MS = 86_400_000;
    const byDate = (serial: number, kind: 'date' | 'datetime' | 'time', date1904: boolean) => {
      let days = Math.floor(serial);
      let ms = Math.round((serial - days) * DAY_MS);
      if (ms === DAY_MS) [days, ms] = [days + 1, 0];
      const at = new Date((date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, days < 60 ? 31 : 30)) + days * DAY_MS + ms);
      const iso = at.toISOString().replace(/Z$/, '').replace(/\.000$/, '');
      if (kind === 'time' && days === 0) return iso.slice(11);
      if ((!date1904 && days === 60) || at.getUTCFullYear() > 9999) return undefined;
      return kind === 'date' && ms === 0 ? iso.slice(0, 10) : iso;
    };
    let state = 11;
    const next = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return (state >>> 8) / 2 ** 24;
    };
    const serials = [0, 0.5, 1, 59, 60, 61, 366, 2_958_465, 2_958_465.999, 2_958_466, 45_352.999_999_99, ...Array.from({ length: 5000 }, () => Math.floor(next() * 2_958_466) + (next() < 0.5 ? 0 : next()))];
    for (const serial of serials) {
      for (const kind of ['date', 'datetime', 'time'] as const) {
        for (const date1904 of [false, true]) expect(serialToIso(serial, kind, date1904), `${serial} ${kind} ${date1904}`).toBe(byDate(serial, kind, date1904));
      }
    }
  });

  it('keeps a time of day a date format hides, and milliseconds only when there are some', () => {
    expect(serialToIso(45352.5, 'date', false)).toBe('2024-03-01T12:00:00');
    expect(serialToIso(45352 + 1.5 / 86_400, 'datetime', false)).toBe('2024-03-01T00:00:01.500');
    expect(serialToIso(0.75, 'time', false)).toBe('18:00:00');
  });
});

describe('dateKindOf', () => {
  it('tells dates, times and both from the letters outside quotes, escapes and brackets', () => {
    expect(dateKindOf('dd.mm.yyyy')).toBe('date');
    expect(dateKindOf('mmm-yy')).toBe('date');
    expect(dateKindOf('h:mm AM/PM')).toBe('time');
    expect(dateKindOf('yyyy-mm-dd hh:mm:ss')).toBe('datetime');
    expect(dateKindOf('[$-409]d-mmm-yyyy;@')).toBe('date');
  });

  it('leaves numbers, text in quotes and elapsed durations as numbers', () => {
    expect(dateKindOf('#,##0.00 "days"')).toBeUndefined();
    expect(dateKindOf('0.00E+00')).toBeUndefined();
    expect(dateKindOf('[h]:mm:ss')).toBeUndefined();
    expect(dateKindOf('[Red]0.00;[Blue]-0.00')).toBeUndefined();
    expect(dateKindOf('General')).toBeUndefined();
  });
});

/** Plain decimals of 1 to 22 digits at every magnitude, some negative, from a fixed seed. */
function randomDecimals(count: number): string[] {
  let state = 7;
  const next = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 16) % n;
  };
  const digits = (n: number) => Array.from({ length: n }, () => String(next(10))).join('');
  return Array.from({ length: count }, () => {
    const sign = next(4) === 0 ? '-' : '';
    const int = next(3) === 0 ? '0' : `${1 + next(9)}${digits(next(21))}`;
    const frac = next(2) === 0 ? '' : `${'0'.repeat(next(3) === 0 ? next(8) : 0)}${digits(next(17))}${1 + next(9)}`;
    return frac ? `${sign}${int}.${frac}` : `${sign}${int}`;
  });
}
