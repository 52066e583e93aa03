/**
 * `text` cut to its first `maxChars` characters followed by how much was left out, so whoever
 * reads it knows it is an excerpt (`Lorem ipsum… (1,048,376 more characters)`); text that fits
 * is returned as is. A surrogate pair is never split: the cut never leaves half a character.
 */
export function excerpt(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const end = isHighSurrogate(text.charCodeAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  return `${text.slice(0, end)}… (${(text.length - end).toLocaleString('en-US')} more characters)`;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
