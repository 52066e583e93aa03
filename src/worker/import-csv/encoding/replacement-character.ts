import iconv from 'iconv-lite';

/** U+FFFD: what iconv-lite writes for bytes the encoding has no character for. */
export const REPLACEMENT = '\ufffd';

// The encodings that can spell U+FFFD itself. iconv-lite's single-byte tables map U+FFFD back to
// one of their undefined bytes, so a round trip through them proves nothing.
const SPELLS_REPLACEMENT = /^(gb18030|utf|ucs|cesu)/;

/** The bytes that spell U+FFFD in the encoding, or undefined when no bytes do. */
export function replacementSpelling(encoding: string): Buffer | undefined {
  if (!SPELLS_REPLACEMENT.test(encoding.toLowerCase().replace(/[^a-z0-9]/g, ''))) return undefined;
  return iconv.encode(REPLACEMENT, encoding);
}

/** Occurrences of `needle` in `haystack`, not overlapping. */
export function countOf<T extends string | Buffer>(haystack: T, needle: T): number {
  let n = 0;
  for (let i = haystack.indexOf(needle as never); i !== -1; i = haystack.indexOf(needle as never, i + needle.length)) n++;
  return n;
}
