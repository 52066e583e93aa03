import type { ColumnInfo } from '../../shared/contract.js';

/** DESIGN §5: names go into list_columns, the status document and BullMQ's return value. */
export const MAX_NAME_LENGTH = 1_000;
/** Keys are JSON object keys, not identifiers, but we keep PostgreSQL's identifier length as a cap. */
const MAX_KEY_LENGTH = 63;

/**
 * Header names as shown to users, and the keys rows are stored under. Names are trimmed (NULs
 * and NBSP too); an empty name becomes `column_N`; repeated names get ` (2)`, ` (3)`. Keys are
 * snake_case slugs that keep the letters and digits of every script, unique per list.
 */
export function buildColumns(rawNames: readonly string[]): ColumnInfo[] {
  const names = uniqueNames(rawNames.map((n, i) => cleanName(n) || `column_${i + 1}`));
  const keys = uniqueKeys(names.map((n, i) => slugify(n) || `column_${i + 1}`));
  // Types are the column plan's to settle (column-plan.ts, infer-types.ts).
  return names.map((name, i) => ({ key: keys[i]!, name, type: 'string' }));
}

/** Names for a file without a header row. */
export const positionalNames = (count: number) => Array.from({ length: count }, (_, i) => `column_${i + 1}`);

/**
 * The first header name longer than MAX_NAME_LENGTH characters (code points, after trimming):
 * its 1-based position and length. Such a name is refused, never cut: a cut name would be a
 * silent change, and a first line that long is data more often than a header.
 */
export function overlongName(rawNames: readonly string[]): { position: number; length: number } | undefined {
  for (const [i, raw] of rawNames.entries()) {
    // UTF-16 units bound code points from above: most names need no count.
    if (raw.length <= MAX_NAME_LENGTH) continue;
    const name = cleanName(raw);
    if (name.length <= MAX_NAME_LENGTH) continue;
    let length = 0;
    for (const _ of name) length++;
    if (length > MAX_NAME_LENGTH) return { position: i + 1, length };
  }
  return undefined;
}

/**
 * NULs removed, then trimmed. `String#trim` removes exactly `\s` (NBSP and U+FEFF included) in
 * linear time; the regex it replaced backtracked from every space of an inner run (a name of
 * `x`, 60,000 spaces and `y` blocked the event loop for 7 s).
 */
function cleanName(raw: string): string {
  return (raw.includes('\0') ? raw.replaceAll('\0', '') : raw).trim();
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n === 1) return name;
    let k = n;
    while (taken.has(`${name} (${k})`)) k++;
    const renamed = `${name} (${k})`;
    taken.add(renamed);
    seen.set(name, k);
    return renamed;
  });
}

/** Latin letters that carry their accent in the letter itself, so NFKD leaves them whole. */
const LATIN_LETTERS: Record<string, string> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D',
  ð: 'd', Ð: 'D', þ: 'th', Þ: 'TH', ħ: 'h', Ħ: 'H', ı: 'i', ŧ: 't', Ŧ: 'T', ŋ: 'ng', Ŋ: 'NG',
};
const LATIN_LETTER = new RegExp(`[${Object.keys(LATIN_LETTERS).join('')}]`, 'g');

/**
 * snake_case keys in any script (DESIGN §5): letters and digits of every script kept and
 * lowercased (`Имя` → `имя`, `名前` → `名前`), Latin accents folded (`Größe` → `grosse`), runs of
 * anything else → `_`. Combining marks stay inside words: Thai, Devanagari or Arabic words need
 * them (and NFKD splits `й` and Hangul syllables into marks or jamo; NFC puts them back). ZWNJ
 * and ZWJ stay between letters, where Persian and Indic spelling uses them. Every regex here
 * matches in linear time.
 */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/(?<=\p{Script=Latin})\p{M}+/gu, '')
    .replace(LATIN_LETTER, (c) => LATIN_LETTERS[c]!)
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .toLowerCase()
    .replace(/(?<![\p{L}\p{N}\p{M}])\p{M}+/gu, '')
    .replace(/[^\p{L}\p{N}\p{M}\u200c\u200d]+/gu, '_')
    .replace(/(?<![\p{L}\p{N}\p{M}])[\u200c\u200d]+|[\u200c\u200d]+(?![\p{L}\p{N}\p{M}])/gu, '')
    .replace(/_+/g, '_')
    .normalize('NFC');
  return trimUnderscores(capLength(trimUnderscores(slug)));
}

function capLength(slug: string): string {
  if (slug.length <= MAX_KEY_LENGTH) return slug;
  return Array.from(slug).slice(0, MAX_KEY_LENGTH).join('');
}

function trimUnderscores(slug: string): string {
  let start = 0;
  let end = slug.length;
  while (slug.charCodeAt(start) === 0x5f) start++;
  while (end > start && slug.charCodeAt(end - 1) === 0x5f) end--;
  return slug.slice(start, end);
}

function uniqueKeys(keys: string[]): string[] {
  const taken = new Set<string>();
  return keys.map((key) => {
    let candidate = key;
    for (let n = 2; taken.has(candidate); n++) candidate = `${key}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}
