/**
 * JSON that JSON.parse accepts but PostgreSQL's jsonb refuses, which would fail the whole COPY:
 * a `\u0000` escape or an unpaired surrogate escape; numbers beyond `numeric` (more than 131,072
 * digits before the decimal point, more than 16,383 after it, an exponent past ±2^30); nesting
 * deeper than the server's stack allows (about 10,000 levels with the default max_stack_depth of
 * 2 MB; we stop far below, as no spreadsheet cell needs more). And the one JSON jsonb accepts but
 * changes in meaning: an object holding a key twice, of which jsonb keeps only the last value.
 * What jsonb changes without changing the meaning is normalisation, and fine (DESIGN §4): key
 * order, whitespace, escapes spelled out (`"\u0041"` is `"A"`), number spelling (`1e2` is `100`,
 * `-0` is `0`; digits are kept exactly, `1.50` stays `1.50`).
 */
export const MAX_JSON_DEPTH = 1_000;
const MAX_DIGITS_BEFORE_POINT = 131_072;
const MAX_DIGITS_AFTER_POINT = 16_383;
const MAX_EXPONENT = 1_073_741_822;

const NUMBER = /-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?/y;
const BAD_ESCAPE = 'holds a \\u0000 or unpaired surrogate escape, which PostgreSQL cannot store';

// A cell shorter than this cannot nest too deep; without an exponent or a \u escape its numbers
// and strings cannot break a limit either (that takes over 100,000 digits).
const QUICK_CHECK_MAX_LENGTH = MAX_JSON_DEPTH;
const EXPONENT_OR_ESCAPE = /\d[eE]|\\u/;

/** Why jsonb cannot hold this valid JSON text as it means it, or undefined when it can. */
export function jsonbProblem(json: string): string | undefined {
  // The row loop calls this for every json cell: most are short and plain, so skip what cannot
  // apply. Only an object can repeat a key.
  const plain = json.length <= QUICK_CHECK_MAX_LENGTH && !EXPONENT_OR_ESCAPE.test(json);
  if (plain && !json.includes('{')) return undefined;
  return scan(json, !plain);
}

/** Keys of one open object: a short list searched in place, a Set once it grows (linear either way). */
type Keys = string[] | Set<string>;
const LIST_KEYS = 16;

/** One pass over valid JSON text; numbers are checked only when `checkNumbers`. */
function scan(json: string, checkNumbers: boolean): string | undefined {
  // Without a backslash, a string ends at the next quote.
  const escapes = json.includes('\\');
  // The keys seen in each open container, innermost last; null for an array.
  const open: (Keys | null)[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      const end = escapes ? stringEnd(json, i + 1) : json.indexOf('"', i + 1);
      if (end < 0) return BAD_ESCAPE;
      const keys = open[open.length - 1];
      if (keys && isKey(json, end + 1)) {
        const key = escapes ? keyOf(json, i, end) : json.slice(i + 1, end);
        if (!addKey(open, keys, key)) return `holds the key "${excerpt(key)}" twice in one object; PostgreSQL would keep only the last value`;
      }
      i = end;
    } else if (c === 0x5b || c === 0x7b) {
      if (open.push(c === 0x7b ? [] : null) > MAX_JSON_DEPTH) {
        return `nests deeper than ${MAX_JSON_DEPTH} levels, more than PostgreSQL can store`;
      }
    } else if (c === 0x5d || c === 0x7d) {
      open.pop();
    } else if (checkNumbers && (c === 0x2d || (c >= 0x30 && c <= 0x39))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(json)!;
      if (!numberFits(m[1]!, m[2] ?? '', m[3])) return `holds the number ${excerpt(m[0])}, beyond what PostgreSQL can store`;
      i = NUMBER.lastIndex - 1;
    }
  }
  return undefined;
}

/** Adds the key to the innermost object's keys; false when the object already has it. */
function addKey(open: (Keys | null)[], keys: Keys, key: string): boolean {
  if (keys instanceof Set) {
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  }
  if (keys.includes(key)) return false;
  keys.push(key);
  if (keys.length > LIST_KEYS) open[open.length - 1] = new Set(keys);
  return true;
}

/** In valid JSON, a string inside an object is a key exactly when a colon follows it. */
function isKey(json: string, i: number): boolean {
  for (; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c === 0x3a;
  }
  return false;
}

/** The key the string from quote `start` to quote `end` spells: `"a"` and `"\u0061"` are one key. */
function keyOf(json: string, start: number, end: number): string {
  const raw = json.slice(start + 1, end);
  return raw.includes('\\') ? (JSON.parse(json.slice(start, end + 1)) as string) : raw;
}

/** Index of the closing quote of the string starting at `i`, or -1 at an escape jsonb refuses. */
function stringEnd(json: string, i: number): number {
  let highPending = false;
  for (; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) return highPending ? -1 : i;
    if (c !== 0x5c) {
      if (highPending) return -1;
      continue;
    }
    i++;
    if (json.charCodeAt(i) !== 0x75) {
      if (highPending) return -1;
      continue;
    }
    const unit = parseInt(json.slice(i + 1, i + 5), 16);
    i += 4;
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    if (unit === 0 || (low && !highPending) || (highPending && !low)) return -1;
    highPending = high;
  }
  return json.length;
}

function numberFits(int: string, frac: string, exponent: string | undefined): boolean {
  const exp = exponent === undefined ? 0 : Number(exponent);
  if (Math.abs(exp) > MAX_EXPONENT) return false;
  if (frac.length - exp > MAX_DIGITS_AFTER_POINT) return false;
  // Digits before the point once the exponent is applied, counted from the first non-zero digit.
  const before = int !== '0' ? int.length + exp : exp - leadingZeros(frac);
  return before <= MAX_DIGITS_BEFORE_POINT || (int === '0' && /^0*$/.test(frac));
}

function leadingZeros(digits: string): number {
  let n = 0;
  while (digits.charCodeAt(n) === 0x30) n++;
  return n;
}

const excerpt = (text: string) => (text.length > 40 ? `${text.slice(0, 20)}…${text.slice(-12)}` : text);
