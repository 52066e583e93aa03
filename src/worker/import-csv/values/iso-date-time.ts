import { isoTime, validDate, validParts } from './date-pattern.js';

/**
 * ISO 8601 as files write it (DESIGN §5.8: the default without a pattern): `2024-03-01`,
 * `14:05`, `14:05:09.250`, `2024-03-01T14:05:00+02:00` (or a space for the `T`). Fractions of a
 * second and an offset are kept exactly as given; none is ever added.
 */

/**
 * `YYYY-MM-DD` naming a real day, stored as written: the pattern's own text. One scan, no
 * parts object: a date column reads this per row.
 */
export function parseIsoDate(value: string): string | undefined {
  return value.length === 10 && dateAtStart(value) ? value : undefined;
}

/** The value begins with `YYYY-MM-DD` naming a real day. */
function dateAtStart(value: string): boolean {
  if (value.charCodeAt(4) !== HYPHEN || value.charCodeAt(7) !== HYPHEN) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  return year >= 0 && month >= 0 && day >= 0 && validDate(year, month, day);
}

const HYPHEN = 45;
const COLON = 58;
const T = 84;

/** The number the `width` ASCII digits at `at` spell, or -1 if any is not a digit. */
function digitsAt(value: string, at: number, width: number): number {
  let n = 0;
  for (let i = at; i < at + width; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

export function parseIsoTime(value: string): string | undefined {
  const fraction = value.indexOf('.');
  const clock = fraction === -1 ? value : value.slice(0, fraction);
  const digits = fraction === -1 ? '' : value.slice(fraction + 1);
  if (fraction !== -1 && !/^\d{1,9}$/.test(digits)) return undefined;
  const parts = clockParts(clock);
  if (!parts || (digits && parts.second === undefined)) return undefined;
  return isoTime(parts) + (digits ? `.${digits}` : '');
}

export function parseIsoDateTime(value: string): string | undefined {
  if (value.length === 19 && value.charCodeAt(10) === T && value.charCodeAt(13) === COLON && value.charCodeAt(16) === COLON) return plainDateTime(value);
  if (value.length < 16 || (value[10] !== 'T' && value[10] !== ' ')) return undefined;
  const date = parseIsoDate(value.slice(0, 10));
  if (!date) return undefined;
  const rest = value.slice(11);
  const offsetAt = offsetStart(rest);
  const time = parseIsoTime(offsetAt === -1 ? rest : rest.slice(0, offsetAt));
  const offset = offsetAt === -1 ? '' : isoOffset(rest.slice(offsetAt));
  if (!time || offset === undefined) return undefined;
  return `${date}T${time}${offset}`;
}

/**
 * `YYYY-MM-DDTHH:MM:SS`, the commonest spelling and the one the workbook reader writes: stored as
 * written, which is what the general path makes of it, read by one scan instead of its slices.
 */
function plainDateTime(value: string): string | undefined {
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  const clock = hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
  return clock && dateAtStart(value) ? value : undefined;
}

function clockParts(clock: string) {
  const [h, m, s, extra] = clock.split(':');
  if (extra !== undefined || !twoDigits(h) || !twoDigits(m) || (s !== undefined && !twoDigits(s))) return undefined;
  const parts = { hour: Number(h), minute: Number(m), second: s === undefined ? undefined : Number(s) };
  return validParts(parts) ? parts : undefined;
}

const twoDigits = (v: string | undefined): v is string => v !== undefined && /^\d\d$/.test(v);

function offsetStart(rest: string): number {
  if (rest.endsWith('Z')) return rest.length - 1;
  const plus = rest.lastIndexOf('+');
  return plus !== -1 ? plus : rest.lastIndexOf('-');
}

/** `Z`, `+02:00`, `+0200` or `+02`, as `Z` or `+02:00`. */
function isoOffset(offset: string): string | undefined {
  if (offset === 'Z') return 'Z';
  const m = /^([+-])(\d\d)(?::?(\d\d))?$/.exec(offset);
  if (!m || Number(m[2]) > 23 || Number(m[3] ?? 0) > 59) return undefined;
  return `${m[1]}${m[2]}:${m[3] ?? '00'}`;
}
