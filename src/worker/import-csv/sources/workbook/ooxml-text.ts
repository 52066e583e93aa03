const ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

/**
 * OOXML writes characters XML cannot hold (control characters such as a CR) as `_xHHHH_`, and a
 * literal `_x` that would read as one as `_x005F_x` (ECMA-376 Part 1, 22.9.2.19): this turns
 * both back into the characters the cell holds.
 */
export function unescapeOoxml(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
