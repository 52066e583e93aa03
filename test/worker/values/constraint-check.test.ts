import { describe, expect, it } from 'vitest';
import type { ColumnConstraints, ColumnType } from '../../../src/shared/contract.js';
import { createConstraintCheck } from '../../../src/worker/import-csv/values/constraint-check.js';
import { createValueParser, type TypedColumn } from '../../../src/worker/import-csv/values/value-parser.js';

/** The check as the row path calls it: the cell, and its stored JSON text for typed columns. */
function broken(type: ColumnType, constraints: ColumnConstraints, value: string): string | undefined {
  const check = createConstraintCheck('C', type, constraints)!;
  const json = type === 'string' ? undefined : createValueParser({ name: 'C', type: type as TypedColumn['type'] }, undefined).parse(value);
  return check(value, json);
}

describe('constraints', () => {
  it('enum: the value must be one of them, compared as the type compares', () => {
    expect(broken('string', { enum: ['a', 'b'] }, 'b')).toBeUndefined();
    expect(broken('string', { enum: ['a', 'b'] }, 'B')).toBe('is not one of the allowed values (enum: "a", "b")');
    expect(broken('number', { enum: [1.5, '2'] }, '1.50')).toBeUndefined();
    expect(broken('number', { enum: [1.5] }, '1.51')).toMatch(/enum/);
    expect(broken('date', { enum: ['2024-03-01'] }, '2024-03-01')).toBeUndefined();
  });

  it('minimum and maximum compare numbers by their decimal digits, not as floats', () => {
    expect(broken('number', { minimum: '0.1' }, '0.1')).toBeUndefined();
    expect(broken('number', { maximum: '0.1' }, '0.10000000000000001')).toBe('is above the maximum "0.1"');
    expect(broken('integer', { maximum: '9007199254740992' }, '9007199254740993')).toMatch(/maximum/);
    expect(broken('number', { minimum: 0 }, '-0.0001')).toBe('is below the minimum 0');
    expect(broken('number', { minimum: -5, maximum: 5 }, '-5')).toBeUndefined();
  });

  it('minimum and maximum compare dates and times in order', () => {
    expect(broken('date', { minimum: '2024-01-01' }, '2023-12-31')).toBe('is below the minimum "2024-01-01"');
    expect(broken('time', { maximum: '18:00:00' }, '18:00')).toBeUndefined();
    expect(broken('time', { maximum: '18:00:00' }, '18:01')).toMatch(/maximum/);
  });

  it('minLength and maxLength count characters, not UTF-16 units', () => {
    expect(broken('string', { maxLength: 2 }, '🎉🎉')).toBeUndefined();
    expect(broken('string', { maxLength: 2 }, 'abc')).toBe('is longer than maxLength 2');
    expect(broken('string', { minLength: 3 }, 'ab')).toBe('is shorter than minLength 3');
  });

  it('pattern: the whole value must match', () => {
    expect(broken('string', { pattern: '[A-Z]{2}\\d+' }, 'DE123')).toBeUndefined();
    expect(broken('string', { pattern: '[A-Z]{2}\\d+' }, 'xDE123')).toBe('does not match the pattern "[A-Z]{2}\\\\d+"');
  });

  it('pattern: a pattern that backtracks catastrophically elsewhere runs in linear time here', () => {
    const started = performance.now();
    expect(broken('string', { pattern: '(a+)+$' }, `${'a'.repeat(100_000)}!`)).toMatch(/pattern/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses what cannot be checked, naming the column, before any row', () => {
    expect(() => createConstraintCheck('C', 'string', { pattern: '(a)\\1' })).toThrow(/column "C": the pattern .*RE2 syntax/);
    expect(() => createConstraintCheck('C', 'string', { minimum: 1 })).toThrow(/minimum and maximum apply to/);
    expect(() => createConstraintCheck('C', 'number', { maximum: 'ten' })).toThrow(/maximum "ten" is not a number/);
  });
});
