/**
 * How many places in a decoded sample read like text decoded with the wrong code page: symbols
 * inside words, signs glued to a letter, stray diacritics and box drawing, bytes the code page
 * leaves undefined, scripts mixed inside a word, case inverted inside a word. Real text has next
 * to none; a wrong single-byte
 * reading of the same bytes puts them in most words that hold a letter the two code pages
 * disagree on. One pass over the text, each character classified once.
 */
export function countOddities(text: string): number {
  let n = 0;
  let before = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const kind = kindOf(c);
    const after = i + 1 < text.length ? kindOf(text.charCodeAt(i + 1)) : 0;
    if (kind & SYMBOL && before & LETTER && after & LETTER) n++;
    if (kind & SIGN && (before & LETTER || after & LETTER)) n++;
    if (kind & STRAY) n++;
    if (kind & LETTER && after & LETTER && (c >= 0x80 || text.charCodeAt(i + 1) >= 0x80)) {
      const a = kind & SCRIPT_MASK;
      const b = after & SCRIPT_MASK;
      if (a && b && a !== b) n++;
      else if (kind & LOWER && after & UPPER) n++;
    }
    // A combining mark belongs to the letter before it (Thai vowels, Vietnamese tones).
    if (!(kind & MARK)) before = kind;
  }
  return n;
}

const LETTER = 1 << 0;
const MARK = 1 << 1;
const LOWER = 1 << 2;
const UPPER = 1 << 3;
/** A non-ASCII symbol, or punctuation no word holds: odd between two letters (`Pra±ek`). */
const SYMBOL = 1 << 4;
/** Signs that spell no letter and never touch one (`¶ιλαν` for `Άιλαν`). */
const SIGN = 1 << 5;
/**
 * Characters that stand in no spreadsheet's text: spacing diacritics (`˙ ˘ ˛ ¨ ´`; windows-1257
 * reads `ÿ` as `˙`), box drawing (KOI8 and DOS code pages read letters of others as `╨╟`),
 * private-use characters (Shift_JIS reads `ü` in `Müller` as one), and U+FFFD: a byte the code
 * page leaves undefined, which a reading may hold only as an oddity (legacy-encoding.ts).
 */
const STRAY = 1 << 6;
const SCRIPT_SHIFT = 8;
const SCRIPT_MASK = 0b1111 << SCRIPT_SHIFT;

// Letters of two of these never touch inside a word (`Cafщ`, `J坧gen`). Han, kana and hangul are
// one: Japanese mixes kanji and kana in a word, Korean hangul and hanja. Half-width katakana
// (bank and payroll exports) are apart: they do not touch kanji, while a Cyrillic text read as
// Shift_JIS makes them alternate.
const SCRIPTS = [
  /\p{Script=Latin}/u,
  /\p{Script=Greek}/u,
  /\p{Script=Cyrillic}/u,
  /\p{Script=Armenian}/u,
  /\p{Script=Hebrew}/u,
  /\p{Script=Arabic}/u,
  /\p{Script=Thai}/u,
  /[\uff66-\uff9f]/u,
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/u,
];
const SIGNS = new Set('¶§±¤¦¬¨´¸ˇ˘˝˛˙¯');
// Punctuation a word may hold is not a symbol: Catalan `l·l`, Japanese `・`, apostrophes, hyphens.
const SYMBOLISH = /[\p{S}¶§¡¿«»]/u;

const kinds = new Uint16Array(0x10000);
const KNOWN = 1 << 15;

function kindOf(c: number): number {
  const cached = kinds[c]!;
  if (cached) return cached;
  const ch = String.fromCharCode(c);
  let kind = KNOWN;
  if (/\p{L}/u.test(ch)) {
    kind |= LETTER;
    if (ch !== ch.toUpperCase()) kind |= LOWER;
    if (ch !== ch.toLowerCase()) kind |= UPPER;
    const script = SCRIPTS.findIndex((re) => re.test(ch));
    if (script >= 0) kind |= (script + 1) << SCRIPT_SHIFT;
  } else if (/\p{M}/u.test(ch)) kind |= MARK;
  else if (c >= 0x80) {
    if (SYMBOLISH.test(ch)) kind |= SYMBOL;
    if (SIGNS.has(ch)) kind |= SIGN;
    if (/[\p{Sk}\p{Co}\ufffd]/u.test(ch) || (c >= 0x2500 && c <= 0x259f)) kind |= STRAY;
  }
  kinds[c] = kind;
  return kind;
}
