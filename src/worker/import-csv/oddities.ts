// Letters of these scripts never touch each other inside a word; CJK scripts do (Japanese mixes
// kanji and kana, Korean hangul and hanja), so they are left out.
const ALPHABETS = ['Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Thai'] as const;
const SCRIPT_OF = ALPHABETS.map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);

// A non-ASCII symbol between two letters (`Aprađymas` is fine, `Pra±ek` is not). Punctuation a
// word may hold is not counted: Catalan `l·l`, Japanese `・`, apostrophes and hyphens.
const SYMBOL_IN_WORD = /(?<=\p{L}\p{M}*)[\p{S}¶§¡¿«»](?=\p{L})/gu;
// Signs that spell no letter and never touch one on either side: what a wrong code page makes
// of a letter at the start or end of a word (`¶ιλαν` for `Άιλαν`).
const SIGN_BY_LETTER = /(?<=\p{L})[¶§±¤¦¬¨´¸ˇ˘˝˛˙¯]|[¶§±¤¦¬¨´¸ˇ˘˝˛˙¯](?=\p{L})/gu;
// Spacing diacritics (`˙ ˘ ˛ ¨ ´`) stand alone in no language's text: they are what a wrong code
// page makes of a letter (windows-1257 reads `ÿ` as `˙`).
const SPACING_DIACRITIC = /(?![\^`])\p{Sk}/gu;
// Two letters of different alphabets side by side, and a lower-case letter followed by an
// upper-case one in scripts without camel case (KOI8-R read as windows-1251 inverts case).
const LETTER_PAIR = /(\p{L})(?=(\p{L}))/gu;
const UNICASE_CAMEL_SCRIPTS = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]/u;

/**
 * How many places in a decoded sample read like text decoded with the wrong code page: symbols
 * inside words, alphabets mixed inside a word, case inverted inside a word. Real text has next to
 * none; a wrong single-byte reading of the same bytes puts them in most words that hold a letter
 * the two code pages disagree on.
 */
export function countOddities(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(SYMBOL_IN_WORD)) n++;
  for (const _ of text.matchAll(SIGN_BY_LETTER)) n++;
  for (const _ of text.matchAll(SPACING_DIACRITIC)) n++;
  for (const [, a, b] of text.matchAll(LETTER_PAIR)) {
    if (a!.charCodeAt(0) < 0x80 && b!.charCodeAt(0) < 0x80) continue;
    if (scriptOf(a!) !== scriptOf(b!) && scriptOf(a!) && scriptOf(b!)) n++;
    else if (UNICASE_CAMEL_SCRIPTS.test(a!) && a !== a!.toUpperCase() && b !== b!.toLowerCase()) n++;
  }
  return n;
}

function scriptOf(letter: string): string | undefined {
  return SCRIPT_OF.find(([, re]) => re.test(letter))?.[0];
}
