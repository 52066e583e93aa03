/**
 * Date and time patterns (DESIGN §5.8): tokens YYYY YY MM M DD D HH H mm ss, anything else
 * literal. Compiled once per column; parsing is a single left-to-right scan, no regular
 * expression, so no value can make it slow.
 */

type Field = 'year' | 'year2' | 'month' | 'day' | 'hour' | 'minute' | 'second';
type Part = { field: Field; min: number; max: number } | { literal: string };

const TOKENS: readonly [string, Field, number, number][] = [
  ['YYYY', 'year', 4, 4],
  ['YY', 'year2', 2, 2],
  ['MM', 'month', 2, 2],
  ['M', 'month', 1, 2],
  ['DD', 'day', 2, 2],
  ['D', 'day', 1, 2],
  ['HH', 'hour', 2, 2],
  ['H', 'hour', 1, 2],
  ['mm', 'minute', 2, 2],
  ['ss', 'second', 2, 2],
];

export interface DateParts {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
}

export interface DatePattern {
  readonly text: string;
  readonly fields: ReadonlySet<Field>;
  /** The value's fields, or undefined when it does not follow the pattern or names no real date or time. */
  parse(value: string): DateParts | undefined;
}

export function compileDatePattern(text: string): DatePattern {
  const parts: Part[] = [];
  for (let i = 0; i < text.length; ) {
    const token = TOKENS.find(([t]) => text.startsWith(t, i));
    if (token) {
      parts.push({ field: token[1], min: token[2], max: token[3] });
      i += token[0].length;
      continue;
    }
    const last = parts.at(-1);
    if (last && 'literal' in last) last.literal += text[i];
    else parts.push({ literal: text[i]! });
    i++;
  }
  const fields = new Set(parts.flatMap((p) => ('field' in p ? [p.field] : [])));
  return { text, fields, parse: (value) => parseWith(parts, value) };
}

function parseWith(parts: readonly Part[], value: string): DateParts | undefined {
  const out: DateParts = {};
  let i = 0;
  for (const part of parts) {
    if ('literal' in part) {
      if (!value.startsWith(part.literal, i)) return undefined;
      i += part.literal.length;
      continue;
    }
    let n = 0;
    let width = 0;
    while (width < part.max && i < value.length) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
      width++;
    }
    if (width < part.min) return undefined;
    if (part.field === 'year2') out.year = n < 69 ? 2000 + n : 1900 + n;
    else out[part.field] = n;
  }
  return i === value.length && validParts(out) ? out : undefined;
}

export function validParts(p: DateParts): boolean {
  if (p.month !== undefined && (p.month < 1 || p.month > 12)) return false;
  if (p.day !== undefined && !validDate(p.year ?? 2000, p.month ?? 1, p.day)) return false;
  if (p.hour !== undefined && p.hour > 23) return false;
  if (p.minute !== undefined && p.minute > 59) return false;
  return p.second === undefined || p.second <= 59;
}

/** A month of 1–12 and a day that month has in that year. */
export function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const isoDate = (p: DateParts) => `${pad(p.year!, 4)}-${pad(p.month!, 2)}-${pad(p.day!, 2)}`;
export const isoTime = (p: DateParts) => `${pad(p.hour!, 2)}:${pad(p.minute!, 2)}:${pad(p.second ?? 0, 2)}`;
