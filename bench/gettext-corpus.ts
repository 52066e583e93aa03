import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import iconv from 'iconv-lite';
import { mulberry32, pick } from './prng.js';

/**
 * Builds an encodings corpus shaped like ../shared/corpus/encodings (expected.json + files/) from
 * text nobody on the team wrote and the shared corpus does not hold: the translated messages of
 * the system's gettext catalogues (`/usr/share/locale/<lang>/LC_MESSAGES/*.mo` on Debian). Each
 * file is a three-column CSV of messages its encoding can hold, tiny (5 rows), medium (200) and
 * large (2,000), `,` or `;`, CRLF or LF; UTF-16LE ones tab-separated. Deterministic per catalogue set.
 *
 *   npx tsx bench/gettext-corpus.ts --locales DIR --out DIR
 *   npx tsx bench/encodings.ts --corpus DIR
 */
const { values } = parseArgs({ options: { locales: { type: 'string' }, out: { type: 'string' } } });
if (!values.locales || !values.out) throw new Error('usage: gettext-corpus.ts --locales DIR --out DIR');

const PAIRS: [encoding: string, languages: string][] = [
  ['windows-1250', 'pl cs sk sl hu hr ro'], ['windows-1251', 'ru uk bg sr be mk'],
  ['windows-1252', 'de fr es pt it nl da sv nb fi ca'], ['windows-1253', 'el'], ['windows-1254', 'tr'],
  ['windows-1255', 'he'], ['windows-1256', 'ar fa'], ['windows-1257', 'lt lv et'], ['windows-1258', 'vi'],
  ['windows-874', 'th'], ['koi8-r', 'ru'], ['koi8-u', 'uk'], ['iso-8859-2', 'pl cs hu'], ['iso-8859-5', 'ru bg'],
  ['iso-8859-7', 'el'], ['shift_jis', 'ja'], ['euc-jp', 'ja'], ['gbk', 'zh_CN'], ['big5', 'zh_TW'],
  ['euc-kr', 'ko'], ['utf-8', 'ru ja de'], ['utf-16le', 'ru zh_CN'],
];

/** The translations in a GNU .mo catalogue (little-endian, as Debian ships them). */
function translations(mo: Buffer): string[] {
  if (mo.readUInt32LE(0) !== 0x950412de) return [];
  const count = mo.readUInt32LE(8);
  const table = mo.readUInt32LE(16);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = mo.readUInt32LE(table + i * 8);
    const offset = mo.readUInt32LE(table + i * 8 + 4);
    out.push(...mo.subarray(offset, offset + length).toString('utf8').split('\0'));
  }
  return out;
}

function messages(language: string): string[] {
  const dir = join(values.locales!, language, 'LC_MESSAGES');
  if (!existsSync(dir)) return [];
  const all = readdirSync(dir).sort().filter((f) => f.endsWith('.mo')).flatMap((f) => translations(readFileSync(join(dir, f))));
  return [...new Set(all.map((m) => m.trim()))]
    // U+FFFD: a catalogue not in UTF-8 (its header names the charset); such messages are left out.
    .filter((m) => m.length > 8 && m.length < 120 && !/[%\n{<\\\ufffd]/.test(m) && /[^\x00-\x7f]/.test(m))
    .sort();
}

const random = mulberry32(7);
mkdirSync(join(values.out, 'files'), { recursive: true });
const expected: Record<string, { encoding: string; lang: string; size: string }> = {};
for (const [encoding, languages] of PAIRS) {
  for (const lang of languages.split(' ')) {
    // Windows-1258 writes Vietnamese tones as combining marks.
    const pool = messages(lang)
      .map((m) => (encoding === 'windows-1258' ? m.normalize('NFD') : m))
      .filter((m) => iconv.decode(iconv.encode(m, encoding), encoding) === m);
    if (pool.length < 30) continue;
    for (const [size, rows] of [['tiny', 5], ['medium', 200], ['large', 2000]] as const) {
      const delimiter = encoding === 'utf-16le' ? '\t' : pick(random, [',', ';']);
      const newline = pick(random, ['\r\n', '\n']);
      const cell = (s: string) => (s.includes(delimiter) || s.includes('"') ? `"${s.replaceAll('"', '""')}"` : s);
      const lines = [[pool[0]!.slice(0, 20).trim(), pool[1]!.slice(0, 20).trim(), 'ID'].map(cell).join(delimiter)];
      for (let i = 0; i < rows; i++) lines.push([cell(pool[(2 + 2 * i) % pool.length]!), cell(pool[(3 + 2 * i) % pool.length]!), String(i + 1)].join(delimiter));
      const name = `${encoding}_${lang}_${size}.csv`;
      writeFileSync(join(values.out, 'files', name), iconv.encode(lines.join(newline) + newline, encoding));
      expected[name] = { encoding, lang, size };
    }
  }
}
writeFileSync(join(values.out, 'expected.json'), JSON.stringify(expected, null, 1));
console.log(`${Object.keys(expected).length} files in ${values.out}`);
