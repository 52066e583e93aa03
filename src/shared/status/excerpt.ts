/** How an excerpt ends: how much of the text it leaves out. */
const CUT_MARK = /… \(([\d,]+) more characters\)$/;

/**
 * `text` cut to its first `maxChars` characters followed by how much was left out, so whoever
 * reads it knows it is an excerpt (`Lorem ipsum… (1,048,376 more characters)`); text that fits
 * is returned as is. An excerpt cut again still counts what the first cut left out. A surrogate
 * pair is never split: the cut never leaves half a character.
 */
export function excerpt(text: string, maxChars: number): string {
  const mark = CUT_MARK.exec(text);
  const shown = mark ? text.slice(0, mark.index) : text;
  if (shown.length <= maxChars) return text;
  const end = isHighSurrogate(shown.charCodeAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  const leftOut = shown.length - end + (mark ? Number(mark[1]!.replaceAll(',', '')) : 0);
  return `${shown.slice(0, end)}… (${leftOut.toLocaleString('en-US')} more characters)`;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
