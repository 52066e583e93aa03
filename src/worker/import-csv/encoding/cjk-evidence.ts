const MULTI_BYTE = new Set(['shift_jis', 'euc-jp', 'gb18030', 'big5', 'euc-kr']);

// Kanji, hanzi, hanja, kana and hangul: two bytes each in these encodings, which no single-byte
// reading of Western or Cyrillic bytes writes.
const DOUBLE_BYTE_LETTER = /[\p{Script=Han}\p{Script=Hiragana}\u30a1-\u30fa\p{Script=Hangul}]/u;

// Half-width katakana are single bytes in Shift_JIS (0xA1–0xDF), where Cyrillic code pages keep
// letters. What tells them apart is the marks that only follow certain kana: the voicing marks
// ﾞ and ﾟ after the kana that take them (ｶﾞ, ﾊﾟ, ｳﾞ), the length mark ｰ and the small kana after
// any kana. A mark anywhere else is no Japanese.
const KANA = '\uff71-\uff9d';
const MARKED_KANA = new RegExp(`[\uff73\uff76-\uff84\uff8a-\uff8e]\uff9e|[\uff8a-\uff8e]\uff9f|[${KANA}][\uff70\uff67-\uff6f]`, 'u');
const STRAY_MARK = new RegExp(`(?:^|[^\uff73\uff76-\uff84\uff8a-\uff8e])\uff9e|(?:^|[^\uff8a-\uff8e])\uff9f|(?:^|[^${KANA}\uff9e\uff9f])[\uff70\uff67-\uff6f]`, 'u');

/**
 * Whether a multi-byte encoding's reading shows text only that encoding writes so: a valid
 * double-byte letter, or Shift_JIS half-width katakana whose marks all sit where Japanese puts them.
 */
export function hasCjkEvidence(text: string, encoding: string): boolean {
  if (!MULTI_BYTE.has(encoding)) return false;
  if (DOUBLE_BYTE_LETTER.test(text)) return true;
  return encoding === 'shift_jis' && MARKED_KANA.test(text) && !STRAY_MARK.test(text);
}
