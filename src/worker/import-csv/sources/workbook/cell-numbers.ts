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
  // Most cells are already in that form: JavaScript prints their double exactly as written.
  if (PLAIN.test(text) && String(Number(text)) === text) return text;
  const parts = numberParts(text.trim());
  if (!parts) return undefined;
  if (parts.digits.length > DOUBLE_DIGITS) return formatDecimal(parts);
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  return formatDecimal(numberParts(String(value))!);
}

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
