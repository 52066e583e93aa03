/** What a number format shows of a serial number: a calendar date, a time of day, or both. */
export type DateKind = 'date' | 'time' | 'datetime';

/**
 * Excel's built-in formats that show dates or times (ECMA-376 Part 1, 18.8.30), and those the
 * CJK versions of Excel number 27–36 and 50–58. Elapsed-time formats (`[h]:mm:ss`, 46) show a
 * duration, not a time of day: their cells stay numbers (of days).
 */
const BUILT_IN: Record<number, DateKind> = {
  14: 'date', 15: 'date', 16: 'date', 17: 'date', 18: 'time', 19: 'time', 20: 'time', 21: 'time', 22: 'datetime',
  45: 'time', 47: 'time',
  27: 'date', 28: 'date', 29: 'date', 30: 'date', 31: 'date', 32: 'time', 33: 'time', 34: 'time', 35: 'time', 36: 'date',
  50: 'date', 51: 'date', 52: 'date', 53: 'date', 54: 'date', 55: 'time', 56: 'time', 57: 'date', 58: 'date',
};

export function builtInDateKind(id: number): DateKind | undefined {
  return BUILT_IN[id];
}

/**
 * Whether a format code shows dates or times, from the letters of its first section outside
 * quoted text, escaped characters, fills, spacing and bracketed colours or conditions:
 * y, d (and m beside them) are dates, h and s times. An elapsed `[h]`, `[m]` or `[s]` makes a
 * duration, which stays a number.
 */
export function dateKindOf(code: string): DateKind | undefined {
  const section = firstSection(code);
  if (/\[(h+|m+|s+)\]/i.test(section)) return undefined;
  const letters = section
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/[_*]./g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/AM\/PM|A\/P/gi, 'h')
    .toLowerCase();
  const date = /[yd]/.test(letters) || (/m/.test(letters) && !/[hs]/.test(letters));
  const time = /[hs]/.test(letters);
  if (date && time) return 'datetime';
  return date ? 'date' : time ? 'time' : undefined;
}

/** The section for positive numbers: text up to the first `;` outside quotes and escapes. */
function firstSection(code: string): string {
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && !quoted) i++;
    else if (c === ';' && !quoted) return code.slice(0, i);
  }
  return code;
}
