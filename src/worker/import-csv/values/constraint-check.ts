import { RE2JS } from 're2js';
import type { ColumnConstraints, ColumnType } from '../../../shared/contract.js';
import { ImportError } from '../../../shared/errors.js';
import { canonicalNumber } from './number-value.js';
import { compareDecimals } from './decimal-order.js';

/**
 * A column's constraints (DESIGN §5.8), compiled once: the check takes the cell as written and
 * its stored JSON text, and says which constraint the value breaks, in words, or undefined.
 * `unique` is not checked here: it needs every earlier row (see unique-values.ts).
 */
export type ConstraintCheck = (raw: string, json: string | undefined) => string | undefined;

const NUMERIC = new Set<ColumnType>(['number', 'integer']);
const ISO_TEXT = new Set<ColumnType>(['date', 'datetime', 'time']);
const ORDERED = new Set<ColumnType>([...NUMERIC, ...ISO_TEXT]);
const PLAIN_NUMBER = { decimalChar: '.', groupChar: undefined, bareNumber: true, integer: false };

export function createConstraintCheck(name: string, type: ColumnType, constraints: ColumnConstraints): ConstraintCheck | undefined {
  const checks: ConstraintCheck[] = [];
  const invalid = (message: string) => new ImportError('INVALID_OPTIONS', `column "${name}": ${message}`);
  // Bounds and allowed values compare a number's decimal, a boolean, a date's ISO text; else the cell as written.
  const valueOf = (raw: string, json: string | undefined) =>
    json === undefined ? raw : NUMERIC.has(type) || type === 'boolean' ? json : ISO_TEXT.has(type) ? json.slice(1, -1) : raw;
  const bound = (value: string | number, which: string) => {
    const text = String(value);
    if (!NUMERIC.has(type)) return text;
    const number = canonicalNumber(text, PLAIN_NUMBER);
    if (number === undefined) throw invalid(`${which} ${JSON.stringify(value)} is not a number`);
    return number;
  };
  const compare = (a: string, b: string) => (NUMERIC.has(type) ? compareDecimals(a, b) : a < b ? -1 : a > b ? 1 : 0);
  const { minimum, maximum, minLength, maxLength } = constraints;

  if (constraints.enum) {
    const allowed = constraints.enum.map((v) => bound(v, 'the enum value'));
    const shown = constraints.enum.map((v) => JSON.stringify(v)).join(', ');
    checks.push((raw, json) => {
      const value = valueOf(raw, json);
      return allowed.some((a) => compare(a, value) === 0) ? undefined : `is not one of the allowed values (enum: ${shown})`;
    });
  }
  if ((minimum !== undefined || maximum !== undefined) && !ORDERED.has(type)) {
    throw invalid(`minimum and maximum apply to number, integer, date, datetime and time columns, not ${type}`);
  }
  if (minimum !== undefined) {
    const min = bound(minimum, 'minimum');
    checks.push((raw, json) => (compare(valueOf(raw, json), min) < 0 ? `is below the minimum ${JSON.stringify(minimum)}` : undefined));
  }
  if (maximum !== undefined) {
    const max = bound(maximum, 'maximum');
    checks.push((raw, json) => (compare(valueOf(raw, json), max) > 0 ? `is above the maximum ${JSON.stringify(maximum)}` : undefined));
  }
  if (minLength !== undefined) checks.push((raw) => (codePoints(raw) < minLength ? `is shorter than minLength ${minLength}` : undefined));
  if (maxLength !== undefined) checks.push((raw) => (codePoints(raw) > maxLength ? `is longer than maxLength ${maxLength}` : undefined));
  if (constraints.pattern !== undefined) {
    const regex = compilePattern(constraints.pattern, invalid);
    const shown = JSON.stringify(constraints.pattern);
    checks.push((raw) => (regex.matches(raw) ? undefined : `does not match the pattern ${shown}`));
  }
  if (!checks.length) return undefined;
  return (raw, json) => {
    for (const check of checks) {
      const broken = check(raw, json);
      if (broken) return broken;
    }
    return undefined;
  };
}

/**
 * RE2 semantics: matching takes time linear in the value whatever the pattern, so a plan's
 * pattern cannot stall the event loop (no backtracking). The whole value must match.
 */
function compilePattern(pattern: string, invalid: (message: string) => ImportError): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    throw invalid(`the pattern ${JSON.stringify(pattern)} is not a regular expression this service runs (RE2 syntax: no backreferences or lookaround): ${(err as Error).message}`);
  }
}

function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}
