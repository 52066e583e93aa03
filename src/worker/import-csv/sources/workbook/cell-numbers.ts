const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A number cell's text in shortest exact decimal form: the digits the writer stored, without an
 * exponent, leading or trailing zeros (`1.50E+2` is `150`, `-0` is `0`). Never through a binary
 * float, so 17 significant digits stay 17. Like JavaScript, an exponent is kept beyond 21 digits
 * before or 6 zeros after the point (`1E+300`, not 300 zeros). Undefined for text that is not a
 * number (a damaged cell).
 */
export function normaliseNumber(text: string): string | undefined {
  const m = NUMBER.exec(text.trim());
  if (!m || (!m[2] && !m[3])) return undefined;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  let digits = int + frac;
  let point = int.length + Number(exp);
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  point -= lead;
  if (!digits) return '0';
  const minus = sign === '-' ? '-' : '';
  if (point > 21 || point < -5) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = point - 1;
    return `${minus}${mantissa}E${e < 0 ? '-' : '+'}${Math.abs(e)}`;
  }
  if (point <= 0) return `${minus}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${minus}${digits}${'0'.repeat(point - digits.length)}`;
  return `${minus}${digits.slice(0, point)}.${digits.slice(point)}`;
}
