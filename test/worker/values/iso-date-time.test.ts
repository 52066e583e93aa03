import { describe, expect, it } from 'vitest';
import { compileDatePattern, isoDate } from '../../../src/worker/import-csv/values/date-pattern.js';
import { parseIsoDate } from '../../../src/worker/import-csv/values/iso-date-time.js';

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
