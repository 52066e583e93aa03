import { describe, expect, it } from 'vitest';
import { COLUMN_TYPES, ColumnSpec, CsvOptions } from '../../src/shared/contract.js';

/** The typed plan in the contract (DESIGN §3, §5.8): what a sender may declare, refused where it hears why. */

describe('a typed column plan entry', () => {
  it('takes every type with its format and constraints', () => {
    expect(COLUMN_TYPES).toEqual(['string', 'json', 'number', 'integer', 'boolean', 'date', 'datetime', 'time', 'email', 'url', 'uuid']);
    const spec = {
      name: 'Preis', type: 'number', format: { decimalChar: ',', groupChar: '.', bareNumber: false },
      constraints: { minimum: 0, maximum: '1000000.00', enum: [1, '2.5'], unique: true },
    };
    expect(ColumnSpec.parse(spec)).toEqual(spec);
    expect(ColumnSpec.parse({ name: 'Aktiv', type: 'boolean', format: { trueValues: ['ja'], falseValues: ['nein'] } }).format).toEqual({ trueValues: ['ja'], falseValues: ['nein'] });
    expect(ColumnSpec.parse({ name: 'Code', constraints: { pattern: '[A-Z]{2}', minLength: 2, maxLength: 2 } }).constraints).toMatchObject({ pattern: '[A-Z]{2}' });
  });

  it.each([
    [{ name: 'x', type: 'money' }, 'type'],
    [{ name: 'x', type: 'number', format: { decimalChar: ',', groupChar: ',' } }, 'format'],
    [{ name: 'x', type: 'number', format: { decimalChar: '5' } }, 'format.decimalChar'],
    [{ name: 'x', type: 'number', format: { decimalChar: ',,' } }, 'format.decimalChar'],
    [{ name: 'x', type: 'number', format: { currency: '€' } }, 'format'],
    [{ name: 'x', constraints: { unique: 'yes' } }, 'constraints.unique'],
    [{ name: 'x', constraints: { required: true } }, 'constraints'],
    [{ name: 'x', constraints: { minimum: Number.NaN } }, 'constraints.minimum'],
  ])('refuses %j at %s', (spec, path) => {
    const parsed = ColumnSpec.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('csv.inferTypes', () => {
  it('is "none" unless the sender asks for "lossless"', () => {
    expect(CsvOptions.parse({}).inferTypes).toBe('none');
    expect(CsvOptions.parse({ inferTypes: 'lossless' }).inferTypes).toBe('lossless');
    expect(CsvOptions.safeParse({ inferTypes: 'guess' }).success).toBe(false);
  });
});
