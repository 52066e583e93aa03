import { describe, expect, it } from 'vitest';
import { suggestType } from '../../../src/worker/import-csv/values/suggest-type.js';

describe('what the sample proves (DESIGN §5.8)', () => {
  it.each([
    [['1', '-20', '300'], { type: 'integer' }],
    [['1.5', '2', '-0.25'], { type: 'number', format: { decimalChar: '.' } }],
    [['1,5', '2,25'], { type: 'number', format: { decimalChar: ',' } }],
    [['1,234.5', '12.5'], { type: 'number', format: { decimalChar: '.', groupChar: ',' } }],
    [['1.234,5', '12,5'], { type: 'number', format: { decimalChar: ',', groupChar: '.' } }],
    [['true', 'false'], { type: 'boolean' }],
    [['TRUE', 'FALSE'], { type: 'boolean' }],
    [['2024-03-01', '2024-12-31'], { type: 'date', format: { pattern: 'YYYY-MM-DD' } }],
    [['13.04.2024', '01.02.2024'], { type: 'date', format: { pattern: 'DD.MM.YYYY' } }],
    [['4/13/2024', '12/1/2024'], { type: 'date', format: { pattern: 'M/D/YYYY' } }],
    [['2024-03-01T14:05:00', '2024-03-02 09:00'], { type: 'datetime' }],
    [['14:05', '09:00:10'], { type: 'time' }],
    [['123e4567-e89b-12d3-a456-426614174000'], { type: 'uuid' }],
    [['a@example.org', 'b@example.com'], { type: 'email' }],
    [['https://example.org', 'http://a.b/c'], { type: 'url' }],
    [['1', '', '2'], { type: 'integer' }],
  ])('%j is %j', (values, suggested) => {
    expect(suggestType(values, undefined)).toEqual(suggested);
  });

  it.each([
    [['00123', '42'], 'a leading zero'],
    [['+49', '12'], 'a leading +'],
    [['1234567890123456', '1'], 'more than 15 significant digits'],
    [['1e5', '2'], 'an exponent'],
    [['true', 'False'], 'mixed spellings of booleans'],
    [['yes', 'no'], 'words that are not true and false'],
    [['1,5', '1.5'], 'two decimal separators'],
    [['2024-03-01T14:05:00Z', '2024-03-01T14:05:00'], 'offsets on some datetimes only'],
    [['12', 'n/a'], 'a word among numbers'],
    [['', ''], 'no values'],
  ])('%j stays string: %s', (values) => {
    expect(suggestType(values, undefined)).toEqual({ type: 'string' });
  });

  it('leaves a column string when "." could be the decimal or the group, and says why', () => {
    const suggested = suggestType(['1.234', '5.678'], undefined);
    expect(suggested.type).toBe('string');
    expect(suggested.ambiguous).toBe('"1.234" reads as 1.234 with "." as decimal separator and as 1234 with "." between groups of digits; declare the column\'s format or give csv.locale');
  });

  it('leaves a column string when "," is a group in one value and missing in another, or a decimal separator', () => {
    expect(suggestType(['1,234', '5678'], undefined)).toMatchObject({ type: 'string', ambiguous: expect.stringContaining('"1,234" reads as 1.234') });
    expect(suggestType(['1,234', '5678'], 'en-US')).toEqual({ type: 'string' });
  });

  it('leaves a column string when every day and month are 12 or less, and says why', () => {
    const suggested = suggestType(['03/04/2024', '05/06/2024'], undefined);
    expect(suggested.type).toBe('string');
    expect(suggested.ambiguous).toMatch(/order of day and month is unknown/);
  });

  it('lets the locale decide both', () => {
    expect(suggestType(['1.234', '5.678'], 'de-DE')).toEqual({ type: 'integer', format: { decimalChar: ',', groupChar: '.' } });
    expect(suggestType(['1.234', '5.678'], 'en-US')).toEqual({ type: 'number', format: { decimalChar: '.' } });
    expect(suggestType(['03/04/2024'], 'en-GB')).toEqual({ type: 'date', format: { pattern: 'DD/MM/YYYY' } });
    expect(suggestType(['03/04/2024'], 'en-US')).toEqual({ type: 'date', format: { pattern: 'MM/DD/YYYY' } });
  });

  it('a value over 12 decides the order without a locale', () => {
    expect(suggestType(['03/04/2024', '13/04/2024'], undefined)).toEqual({ type: 'date', format: { pattern: 'DD/MM/YYYY' } });
  });
});
