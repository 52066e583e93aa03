import type { SuggestedType } from '../../../shared/contract.js';
import { compileDatePattern } from './date-pattern.js';
import { decimalKey } from './decimal-order.js';
import { parseIsoDateTime, parseIsoTime } from './iso-date-time.js';
import { localeSpelling } from './locale-spelling.js';
import { canonicalNumber, type NumberSpelling } from './number-value.js';
import { isEmail, isUrl, isUuid } from './string-formats.js';

/**
 * The type a sample of a column proves (DESIGN §5.8), for values that are not JSON: proposed
 * only where storing it changes no value's meaning. Leading zeros, a leading `+`, more than 15
 * significant digits, exponents and mixed spellings keep a column string; when two readings
 * disagree and no locale decides, the column stays string and says why in `ambiguous`.
 */
export function suggestType(values: readonly string[], locale: string | undefined): SuggestedType {
  const filled = values.filter((v) => v !== '');
  if (!filled.length) return STRING;
  return booleanType(filled) ?? numberType(filled, locale) ?? dateType(filled, locale) ?? otherType(filled) ?? STRING;
}

const STRING: SuggestedType = { type: 'string' };
const MAX_SIGNIFICANT = 15;

function booleanType(values: readonly string[]): SuggestedType | undefined {
  const spellings = new Set(values.map((v) => (v === v.toLowerCase() ? 'lower' : v === v.toUpperCase() ? 'upper' : v[0] + v.slice(1).toLowerCase() === v ? 'title' : 'mixed')));
  const words = values.every((v) => ['true', 'false'].includes(v.toLowerCase()));
  return words && spellings.size === 1 && !spellings.has('mixed') ? { type: 'boolean' } : undefined;
}

const NUMBER_SPELLINGS: readonly [decimalChar: string, groupChar: string | undefined][] = [
  ['.', undefined],
  [',', undefined],
  ['.', ','],
  [',', '.'],
  [',', ' '],
  ['.', ' '],
];

function numberType(values: readonly string[], locale: string | undefined): SuggestedType | undefined {
  if (!values.every(plainNumberText)) return undefined;
  const readings = NUMBER_SPELLINGS.flatMap(([decimalChar, groupChar]): Reading[] => {
    const spelling: NumberSpelling = { decimalChar, groupChar, bareNumber: true, integer: false };
    const numbers = values.map((v) => canonicalNumber(v, spelling));
    if (numbers.some((n) => n === undefined)) return [];
    return [{ decimalChar, groupChar: values.some((v) => groupChar !== undefined && v.includes(groupChar)) ? groupChar : undefined, numbers: numbers as string[] }];
  });
  if (!readings.length) return undefined;
  const local = locale ? localeSpelling(locale) : undefined;
  const chosen =
    readings.find((r) => local && r.decimalChar === local.decimalChar && (r.groupChar === undefined || sameGroup(r.groupChar, local.groupChar))) ??
    (agree(readings) ? readings[0]! : undefined);
  if (!chosen) {
    const a = readings[0]!;
    const at = (r: Reading) => values.findIndex((_, i) => decimalKey(r.numbers[i]!) !== decimalKey(a.numbers[i]!));
    const b = readings.find((r) => at(r) !== -1)!;
    const i = at(b);
    return {
      type: 'string',
      ambiguous: `"${values[i]}" reads as ${a.numbers[i]} ${role(a)} and as ${b.numbers[i]} ${role(b)}; declare the column's format or give csv.locale`,
    };
  }
  // A group character some values of four digits or more leave out is a mixed spelling, not a format.
  const group = chosen.groupChar;
  if (group !== undefined && values.some((v) => !v.includes(group) && integerDigits(v, chosen.decimalChar) > 3)) return undefined;
  const integer = chosen.numbers.every((n) => !n.includes('.'));
  const format = { decimalChar: chosen.decimalChar, ...(chosen.groupChar === undefined ? {} : { groupChar: chosen.groupChar }) };
  return integer ? { type: 'integer', ...(chosen.groupChar === undefined ? {} : { format }) } : { type: 'number', format };
}

/** Digits and at most the separators: no sign but `-`, no leading zero, no exponent, at most 15 significant digits. */
function plainNumberText(value: string): boolean {
  if (!/^-?\d[\d.,  ]*$/.test(value) || /[.,  ]$/.test(value)) return false;
  const unsigned = value.replace(/^-/, '');
  if (/^0\d/.test(unsigned)) return false;
  return unsigned.replace(/\D/g, '').replace(/^0+/, '').length <= MAX_SIGNIFICANT;
}

interface Reading {
  decimalChar: string;
  groupChar: string | undefined;
  numbers: string[];
}

const integerDigits = (value: string, decimalChar: string) => value.split(decimalChar)[0]!.replace(/\D/g, '').length;
const sameGroup = (a: string, b: string) => a === b || (a === ' ' && /\s/.test(b));
const agree = (readings: readonly { numbers: readonly string[] }[]) =>
  readings.every((r) => r.numbers.every((n, i) => decimalKey(n) === decimalKey(readings[0]!.numbers[i]!)));
const role = (r: Reading) =>
  r.groupChar === undefined ? `with "${r.decimalChar}" as decimal separator` : `with "${r.groupChar}" between groups of digits`;

const DATE_SEPARATORS = ['.', '/', '-'];

function dateType(values: readonly string[], locale: string | undefined): SuggestedType | undefined {
  const candidates = ['YYYY-MM-DD', ...DATE_SEPARATORS.flatMap((s) => [`D${s}M${s}YYYY`, `M${s}D${s}YYYY`, `YYYY${s}M${s}D`])];
  const fitting = candidates.filter((p) => {
    const pattern = compileDatePattern(p);
    return values.every((v) => pattern.parse(v) !== undefined);
  });
  if (!fitting.length) return undefined;
  if (fitting.length === 1 || fitting[0] === 'YYYY-MM-DD') return { type: 'date', format: { pattern: padded(fitting[0]!, values) } };
  const dayFirst = fitting.find((p) => p.startsWith('D'));
  const monthFirst = fitting.find((p) => p.startsWith('M'));
  if (locale && dayFirst && monthFirst) {
    const pattern = localeSpelling(locale).dayFirst ? dayFirst : monthFirst;
    return { type: 'date', format: { pattern: padded(pattern, values) } };
  }
  if (dayFirst && monthFirst) {
    return {
      type: 'string',
      ambiguous: `every day and month in the sample is 12 or less ("${values[0]}"), so the order of day and month is unknown; declare the column's pattern or give csv.locale`,
    };
  }
  return { type: 'date', format: { pattern: padded(fitting[0]!, values) } };
}

/** `DD.MM.YYYY` when every value pads its day and month, else `D.M.YYYY`, which reads both. */
function padded(pattern: string, values: readonly string[]): string {
  if (pattern === 'YYYY-MM-DD') return pattern;
  const sep = pattern.replace(/[DMY]/g, '')[0]!;
  const allPadded = values.every((v) => v.split(sep).every((part) => part.length >= 2));
  return allPadded ? pattern.replace(/\bD\b/, 'DD').replace(/\bM\b/, 'MM') : pattern;
}

function otherType(values: readonly string[]): SuggestedType | undefined {
  if (values.every((v) => parseIsoDateTime(v) !== undefined) && consistentOffsets(values)) return { type: 'datetime' };
  if (values.every((v) => parseIsoTime(v) !== undefined)) return { type: 'time' };
  if (values.every(isUuid)) return { type: 'uuid' };
  if (values.every(isEmail)) return { type: 'email' };
  if (values.every(isUrl)) return { type: 'url' };
  return undefined;
}

/** All with an offset or all without: a mix would store local and absolute times side by side. */
function consistentOffsets(values: readonly string[]): boolean {
  const withOffset = values.filter((v) => /(Z|[+-]\d\d(:?\d\d)?)$/.test(v.slice(11))).length;
  return withOffset === 0 || withOffset === values.length;
}
