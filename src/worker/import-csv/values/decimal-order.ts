/**
 * Order and equality of canonical JSON numbers (what `canonicalNumber` returns), by their
 * decimal digits, never through a binary float: `0.1` < `0.10000000000000001`, and `1.50`
 * equals `1.5`.
 */

interface Normalized {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros; empty for zero. */
  digits: string;
  /** Where the decimal point sits after the first significant digit (scientific exponent). */
  exponent: number;
}

function normalize(number: string): Normalized {
  const negative = number.startsWith('-');
  const e = number.search(/[eE]/);
  const mantissa = (e === -1 ? number : number.slice(0, e)).replace(/^[+-]/, '');
  const exp = e === -1 ? 0 : Number(number.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const intPart = dot === -1 ? mantissa : mantissa.slice(0, dot);
  const all = intPart + (dot === -1 ? '' : mantissa.slice(dot + 1));
  const lead = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(lead).replace(/0+$/, '');
  return { negative: negative && digits !== '', digits, exponent: intPart.length - lead - 1 + exp };
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareDecimals(a: string, b: string): number {
  const x = normalize(a);
  const y = normalize(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const sign = x.negative ? -1 : 1;
  if (x.digits === '' || y.digits === '') return sign * ((x.digits === '' ? 0 : 1) - (y.digits === '' ? 0 : 1));
  if (x.exponent !== y.exponent) return sign * (x.exponent - y.exponent);
  return sign * (x.digits < y.digits ? -1 : x.digits > y.digits ? 1 : 0);
}

/** One spelling for every way of writing the same number (`1.50`, `1.5`, `15e-1`): what uniqueness compares. */
export function decimalKey(number: string): string {
  const n = normalize(number);
  return n.digits === '' ? '0' : `${n.negative ? '-' : ''}${n.digits}e${n.exponent}`;
}
