/**
 * JSON that JSON.parse accepts but PostgreSQL's jsonb refuses, which would fail the whole COPY:
 * a `\u0000` escape or an unpaired surrogate escape; numbers beyond `numeric` (more than 131,072
 * digits before the decimal point, more than 16,383 after it, an exponent past ±2^30); nesting
 * deeper than the server's stack allows (about 10,000 levels with the default max_stack_depth of
 * 2 MB; we stop far below, as no spreadsheet cell needs more).
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

/** Why jsonb cannot hold this valid JSON text, or undefined when it can. */
export function jsonbProblem(json: string): string | undefined {
  // The row loop calls this for every json cell: most are short and plain, so skip the scan.
  if (json.length <= QUICK_CHECK_MAX_LENGTH && !EXPONENT_OR_ESCAPE.test(json)) return undefined;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(json, i + 1);
      if (end < 0) return BAD_ESCAPE;
      i = end;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels, more than PostgreSQL can store`;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(json)!;
      if (!numberFits(m[1]!, m[2] ?? '', m[3])) return `holds the number ${excerpt(m[0])}, beyond what PostgreSQL can store`;
      i = NUMBER.lastIndex - 1;
    }
  }
  return undefined;
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

const excerpt = (number: string) => (number.length > 40 ? `${number.slice(0, 20)}…${number.slice(-12)}` : number);
