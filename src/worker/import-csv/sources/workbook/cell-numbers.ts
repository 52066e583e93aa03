const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const PLAIN = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;
/** Significant digits that always name one double exactly (IEEE 754 binary64). */
const DOUBLE_DIGITS = 17;

/**
 * A number cell's value in shortest exact decimal form (DESIGN §5.7). A cell holds a double, and
 * Excel writes up to 17 significant digits of it (`1.1000000000000001` for the double nearest
 * 1.1): the value is the shortest decimal that names the same double (`1.1`), as JavaScript and
 * Python print it, not the digits Excel happened to write, nor a display format's rounding.
 * Digits beyond what a double holds (written by a program that stores a long id as a number)
 * are kept as written: turning them into a double would change them. Leading and trailing zeros
 * and an exponent go (`1.50E+2` is `150`, `-0` is `0`), except beyond 21 digits before or 6
 * zeros after the point, where the exponent stays (`1E+300`), as in JavaScript. Undefined for
 * text that is not a number (a damaged cell).
 */
export function normaliseNumber(text: string): string | undefined {
  if (printsAsWritten(text)) return text;
  const parts = numberParts(text.trim());
  if (!parts) return undefined;
  if (parts.digits.length > DOUBLE_DIGITS) return formatDecimal(parts);
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  return formatDecimal(numberParts(String(value))!);
}

/** Significant digits that always print back as written (DBL_DIG): no two such decimals share a double. */
const ROUND_TRIP_DIGITS = 15;

/**
 * Whether JavaScript prints the double `text` names as `text` itself, as most cells are written,
 * decided without printing it: printing goes through V8's number-to-string cache, whose entries
 * outlive young collections, so every distinct number would leave garbage in the old generation
 * and the import's memory would grow with its rows. At most 15 significant digits, and a
 * magnitude JavaScript writes without an exponent (below 1e21, at least 1e-6).
 */
function printsAsWritten(text: string): boolean {
  if (!PLAIN.test(text)) return false;
  const start = text.charCodeAt(0) === MINUS ? 1 : 0;
  const point = text.indexOf('.');
  if (text.charCodeAt(start) === ZERO) {
    // `-0` prints as `0`.
    if (point < 0) return start === 0;
    let first = point + 1;
    while (text.charCodeAt(first) === ZERO) first++;
    return first - point - 1 <= 5 && text.length - first <= ROUND_TRIP_DIGITS;
  }
  // With a fraction, 15 digits in all keep it below 1e21.
  if (point >= 0) return text.length - start - 1 <= ROUND_TRIP_DIGITS;
  let end = text.length;
  while (text.charCodeAt(end - 1) === ZERO) end--;
  return text.length - start <= 21 && end - start <= ROUND_TRIP_DIGITS;
}

const MINUS = 0x2d;
const ZERO = 0x30;

interface DecimalParts {
  negative: boolean;
  /** Significant digits, without leading or trailing zeros ('' for zero). */
  digits: string;
  /** Where the point goes: the value is 0.<digits> × 10^point. */
  point: number;
}

function numberParts(text: string): DecimalParts | undefined {
  const m = NUMBER.exec(text);
  if (!m || (!m[2] && !m[3])) return undefined;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  const all = int + frac;
  const lead = all.length - all.replace(/^0+/, '').length;
  return { negative: sign === '-', digits: all.slice(lead).replace(/0+$/, ''), point: int.length + Number(exp) - lead };
}

function formatDecimal({ negative, digits, point }: DecimalParts): string {
  if (!digits) return '0';
  const minus = negative ? '-' : '';
  if (point > 21 || point < -5) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = point - 1;
    return `${minus}${mantissa}E${e < 0 ? '-' : '+'}${Math.abs(e)}`;
  }
  if (point <= 0) return `${minus}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${minus}${digits}${'0'.repeat(point - digits.length)}`;
  return `${minus}${digits.slice(0, point)}.${digits.slice(point)}`;
}
