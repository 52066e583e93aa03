import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalNumber, type NumberSpelling } from '../../../src/worker/import-csv/values/number-value.js';

const spelling = (over: Partial<NumberSpelling> = {}): NumberSpelling => ({ decimalChar: '.', groupChar: undefined, bareNumber: true, integer: false, ...over });
const german = spelling({ decimalChar: ',', groupChar: '.' });

describe('canonicalNumber: exactly the decimal the file wrote', () => {
  it.each([
    ['0.1', spelling(), '0.1'],
    ['12345678901234567890.123456789', spelling(), '12345678901234567890.123456789'],
    ['9007199254740993', spelling(), '9007199254740993'],
    ['-0.50', spelling(), '-0.50'],
    ['+7', spelling(), '7'],
    ['007', spelling(), '7'],
    ['.5', spelling(), '0.5'],
    ['1.5e3', spelling(), '1.5e3'],
    ['1.234,50', german, '1234.50'],
    ['1.234.567,5', german, '1234567.5'],
    ['1,234.50', spelling({ groupChar: ',' }), '1234.50'],
    ['1 234,5', spelling({ decimalChar: ',', groupChar: ' ' }), '1234.5'],
    ['1\u202f234,5', spelling({ decimalChar: ',', groupChar: '\u00a0' }), '1234.5'],
    ["1'234.5", spelling({ groupChar: "'" }), '1234.5'],
  ])('reads %j as %s', (value, how, expected) => {
    const number = canonicalNumber(value, how);
    expect(number).toBe(expected);
    expect(new Decimal(number!).equals(new Decimal(expected))).toBe(true);
  });

  it.each([
    ['1,5', spelling()],
    ['1.5', german],
    ['1.23', spelling({ decimalChar: ',', groupChar: '.' })],
    ['1234.567,5', german],
    ['12.34.567', german],
    ['1,,234', spelling({ groupChar: ',' })],
    ['', spelling()],
    ['-', spelling()],
    ['5.', spelling()],
    ['1e', spelling()],
    ['NaN', spelling()],
    ['Infinity', spelling()],
    ['0x10', spelling()],
    [' 12', spelling()],
    ['12 %', spelling()],
    ['€ 12', spelling()],
    ['1'.repeat(1001), spelling()],
  ])('refuses %j', (value, how) => {
    expect(canonicalNumber(value, how)).toBeUndefined();
  });

  it('keeps whole numbers only in an integer column', () => {
    expect(canonicalNumber('1.5', spelling({ integer: true }))).toBeUndefined();
    expect(canonicalNumber('1e3', spelling({ integer: true }))).toBeUndefined();
    expect(canonicalNumber('123456789012345678901234', spelling({ integer: true }))).toBe('123456789012345678901234');
    expect(canonicalNumber('1.234.567', spelling({ integer: true, decimalChar: ',', groupChar: '.' }))).toBe('1234567');
  });

  it.each([
    ['€ 1.234,50', german, '1234.50'],
    ['1.234,50 €', german, '1234.50'],
    ['$1,234.50', spelling({ groupChar: ',', bareNumber: false }), '1234.50'],
    ['-$5', spelling({ bareNumber: false }), '-5'],
    ['$-5', spelling({ bareNumber: false }), '-5'],
    ['12 %', spelling({ bareNumber: false }), '12'],
    ['12%', spelling({ bareNumber: false }), '12'],
    ['1 234 EUR', spelling({ decimalChar: ',', groupChar: ' ', bareNumber: false }), '1234'],
  ])('with bareNumber false reads %j as %s', (value, how, expected) => {
    expect(canonicalNumber(value, { ...how, bareNumber: false })).toBe(expected);
  });

  it.each(['12 apples', 'about 12', '€', '%', '12 % %'])('with bareNumber false still refuses %j', (value) => {
    expect(canonicalNumber(value, spelling({ bareNumber: false }))).toBeUndefined();
  });

  it('reads every decimal a Decimal writes back to the same value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 25 }), (units, scale) => {
        const text = new Decimal(units.toString()).dividedBy(new Decimal(10).pow(scale)).toFixed(scale);
        expect(new Decimal(canonicalNumber(text, spelling())!).equals(new Decimal(text))).toBe(true);
        const [whole, fraction] = text.split('.');
        const grouped = whole!.replace(/\B(?=(\d{3})+$)/g, '.') + (fraction === undefined ? '' : `,${fraction}`);
        expect(new Decimal(canonicalNumber(grouped, german)!).equals(new Decimal(text))).toBe(true);
      }),
    );
  });
});
