/** How a number column's values are spelled (DESIGN §5.8), resolved from the plan or the locale. */
export interface NumberSpelling {
  decimalChar: string;
  /** Undefined: no group character is allowed. */
  groupChar: string | undefined;
  /** False: currency signs, percent signs and spaces around the number are allowed and dropped. */
  bareNumber: boolean;
  /** Whole numbers only (no decimal part, no exponent). */
  integer: boolean;
}

/**
 * Beyond these, jsonb's numeric refuses the value or stores it in a size nobody means; the bound
 * is stated in the error rather than failing the whole COPY.
 */
export const MAX_NUMBER_DIGITS = 1000;
const SPACES = new Set([' ', '\u00a0', '\u202f']);
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The value as a canonical JSON number of exactly the decimal the file wrote, or undefined when
 * it is not a number in this spelling. Pure string work, never a binary float: `0.1`, 20-digit
 * amounts and integers past 2^53 keep every digit. Group characters must stand between groups
 * of three digits (`1.234.567`, not `1.23`), so a misread decimal separator is an error.
 */
export function canonicalNumber(value: string, spelling: NumberSpelling): string | undefined {
  const text = spelling.bareNumber ? value : strippedNumber(value);
  if (text === undefined) return undefined;
  const n = text.length;
  let i = 0;
  let sign = '';
  const first = text.charCodeAt(0);
  if (first === 45) {
    sign = '-';
    i = 1;
  } else if (first === 43) i = 1;
  const group = spelling.groupChar;
  const spaceGroup = group !== undefined && SPACES.has(group);
  let digits = '';
  let run = 0;
  let groups = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      run++;
      continue;
    }
    const ch = text[i]!;
    if (group === undefined || !(ch === group || (spaceGroup && SPACES.has(ch)))) break;
    // A group stands between digits: 1-3 before the first one, exactly 3 between and after.
    if (run === 0 || (groups === 0 ? run > 3 : run !== 3)) return undefined;
    digits += text.slice(i - run, i);
    groups++;
    run = 0;
  }
  if (groups > 0 && run !== 3) return undefined;
  digits += text.slice(i - run, i);
  let fraction = '';
  if (i < n && text[i] === spelling.decimalChar) {
    if (spelling.integer) return undefined;
    const start = ++i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    fraction = text.slice(start, i);
    if (fraction === '') return undefined;
  }
  if (digits === '' && fraction === '') return undefined;
  let exponent = '';
  const e = text[i];
  if (i < n && (e === 'e' || e === 'E') && !spelling.integer && digits !== '') {
    const start = ++i;
    if (i < n && (text[i] === '+' || text[i] === '-')) i++;
    const expDigits = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === expDigits || i - expDigits > 4) return undefined;
    exponent = `e${text.slice(start, i)}`;
  }
  if (i !== n || digits.length + fraction.length > MAX_NUMBER_DIGITS) return undefined;
  let zeros = 0;
  while (zeros < digits.length - 1 && digits.charCodeAt(zeros) === 48) zeros++;
  // Spelled canonically already (the common case): the text itself, not a copy built from parts.
  if (zeros === 0 && digits !== '' && first !== 43 && groups === 0 && (fraction === '' || spelling.decimalChar === '.') && e !== 'E') return text;
  const whole = zeros ? digits.slice(zeros) : digits || '0';
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}${exponent}`;
}

/**
 * With `bareNumber: false`: the number inside currency signs, ISO currency codes, percent and
 * per-mille signs and spaces (`€ 1.234,50`, `-$5`, `12 %`, `1 234 EUR`), or undefined when
 * anything else surrounds it. A sign may stand before or after a leading currency sign.
 */
function strippedNumber(value: string): string | undefined {
  let start = 0;
  let end = value.length;
  let sign = '';
  const skipAround = () => {
    while (start < end && SPACES.has(value[start]!)) start++;
    while (end > start && SPACES.has(value[end - 1]!)) end--;
  };
  skipAround();
  if (value[start] === '-' || value[start] === '+') sign = value[start++]!;
  const prefix = affixLength(value, start, end, true);
  if (prefix) {
    start += prefix;
    skipAround();
    if (!sign && (value[start] === '-' || value[start] === '+')) sign = value[start++]!;
  }
  const suffix = affixLength(value, start, end, false);
  end -= suffix;
  skipAround();
  const core = value.slice(start, end);
  if (core === '' || core[0] === '-' || core[0] === '+') return undefined;
  return sign + core;
}

const CURRENCY = /^\p{Sc}$/u;
const CODE = /^[A-Z]{3}$/;

/** The length of a currency sign, a three-letter currency code, or (at the end) a percent or per-mille sign, at that end of the text. */
function affixLength(value: string, start: number, end: number, atStart: boolean): number {
  if (end <= start) return 0;
  const one = atStart ? value[start]! : value[end - 1]!;
  if (CURRENCY.test(one) || (!atStart && (one === '%' || one === '‰'))) return 1;
  const three = atStart ? value.slice(start, start + 3) : value.slice(end - 3, end);
  return end - start > 3 && CODE.test(three) ? 3 : 0;
}
