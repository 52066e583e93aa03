import { describe, expect, it } from 'vitest';
import { compileDatePattern, isoDate } from '../../../src/worker/import-csv/values/date-pattern.js';
import { parseIsoDate, parseIsoDateTime } from '../../../src/worker/import-csv/values/iso-date-time.js';

const byPattern = compileDatePattern('YYYY-MM-DD');

describe('parseIsoDate', () => {
  it('reads every spelling as the YYYY-MM-DD pattern does', () => {
    const values: string[] = [];
    for (const year of ['0000', '1900', '1999', '2000', '2024', '2100', '9999', '20x4', '202']) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const mm = String(month).padStart(2, '0');
          const dd = String(day).padStart(2, '0');
          values.push(`${year}-${mm}-${dd}`, `${year}-${month}-${day}`, `${year}/${mm}/${dd}`, `${year}-${mm}-${dd} `, `${year}-${mm}-${dd}`.replace('-0', '-+'));
        }
      }
    }
    const valid = new Set<string>();
    for (const value of values) {
      const parts = byPattern.parse(value);
      const expected = parts && isoDate(parts);
      expect(parseIsoDate(value), value).toBe(expected);
      if (expected) valid.add(expected);
    }
    // Every day of three leap years (0000, 2000, 2024) and four common ones (1900, 1999, 2100, 9999).
    expect(valid.size).toBe(3 * 366 + 4 * 365);
  });
});

describe('parseIsoDateTime', () => {
  it('reads YYYY-MM-DDTHH:MM:SS as the general path reads the same value with a space for the T', () => {
    let valid = 0;
    for (const date of ['2024-02-29', '2023-02-29', '1999-12-31', '2024-13-01', '20x4-01-01']) {
      for (const hour of ['00', '09', '23', '24', '2x', '-1']) {
        for (const minute of ['00', '59', '60', ' 5']) {
          for (const second of ['00', '59', '60', 'x1', '+1']) {
            const value = `${date}T${hour}:${minute}:${second}`;
            const general = parseIsoDateTime(value.replace('T', ' '));
            expect(parseIsoDateTime(value), value).toBe(general);
            if (general !== undefined) {
              expect(general).toBe(value);
              valid++;
            }
          }
        }
      }
    }
    // Two real days (2023 has no 29 February) × three hours × two minutes × two seconds.
    expect(valid).toBe(2 * 3 * 2 * 2);
  });
});
