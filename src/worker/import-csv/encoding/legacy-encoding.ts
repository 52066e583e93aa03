import iconv from 'iconv-lite';
import { codePageOfLocale } from './locale-code-page.js';
import { countOddities } from './oddities.js';
import { REPLACEMENT, countOf, replacementSpelling } from './replacement-character.js';

/**
 * The encodings a file that is not UTF-8 can be in (DESIGN §5.1), as the detector names them,
 * and the iconv-lite name we decode and report each with. A superset decodes where one exists:
 * Excel writes Windows code pages (cp932 for Shift_JIS, cp949 for EUC-KR, cp874 for TIS-620).
 */
const CANDIDATES: Record<string, string> = {
  'windows-1250': 'windows-1250',
  'windows-1251': 'windows-1251',
  'windows-1252': 'windows-1252',
  'windows-1253': 'windows-1253',
  'windows-1254': 'windows-1254',
  'windows-1255': 'windows-1255',
  'windows-1256': 'windows-1256',
  'windows-1257': 'windows-1257',
  'windows-1258': 'windows-1258',
  cp1258: 'windows-1258',
  cp874: 'windows-874',
  'tis-620': 'windows-874',
  cp932: 'shift_jis',
  shift_jis: 'shift_jis',
  shift_jis_2004: 'shift_jis',
  'euc-jp': 'euc-jp',
  'euc-jis-2004': 'euc-jp',
  gb18030: 'gb18030',
  big5: 'big5',
  big5hkscs: 'big5',
  cp949: 'euc-kr',
  'euc-kr': 'euc-kr',
  'koi8-r': 'koi8-r',
  'koi8-u': 'koi8-u',
  'iso-8859-2': 'iso-8859-2',
  'iso-8859-5': 'iso-8859-5',
  'iso-8859-7': 'iso-8859-7',
  'utf-16-le': 'utf-16le',
  'utf-16-be': 'utf-16be',
};
const byLowerName = new Map(Object.entries(CANDIDATES).map(([k, v]) => [k.toLowerCase(), v]));
/** Every candidate, after those the detector ranked: a reading it gave no score at all. */
const UNRANKED = [...new Set(Object.values(CANDIDATES))].map((encoding) => ({ encoding, score: 0 }));

/**
 * A reading within this share of the best one's score counts as a tie, which the uploader's
 * locale may break, as Excel itself picks the locale's code page: with few letters that two code
 * pages read differently, the statistics are close to a coin toss. Measured with
 * bench/encodings.ts on files cut to their first line: the right locale turns 108/111 into
 * 110/111 (0.5: 111/111), a wrong one (`pl` for every file, whole files) costs 1/111 (0.5: 14).
 */
const LOCALE_TIE_SHARE = 0.8;

/**
 * A best reading where at least this share of the characters beyond ASCII are oddities gives way
 * to the reading with the fewest, even one the detector did not rank (it ranks no CJK encoding
 * for half-width katakana alone, which Shift_JIS writes in single bytes). Real text in its right
 * code page stays far below (bench/encodings.ts: no file of either set changed, whole or cut).
 */
const MOSTLY_ODD = 0.5;

/**
 * Below this score the detector has no opinion: the bytes are not text in any language it knows
 * (a table of every Latin-1 symbol, one `©` after ASCII). The locale's code page then, else
 * windows-1252. Real text scored at least 0.012 in the corpus and our gettext set, one line each.
 */
const NO_OPINION = 0.01;

// C1 controls: what ISO-8859-x makes of the bytes 0x80–0x9F, which Windows code pages use for
// letters and punctuation. Real text never holds them.
const C1_CONTROL = /[\u0080-\u009f]/;

export interface LegacyGuess {
  encoding: string;
  /** The chosen reading's share of the detector's scores over all readings of the sample, 0–1. */
  confidence: number;
}

interface Reading {
  text: string;
  encodings: string[];
  score: number;
  /** Places where the text reads like the wrong code page (oddities.ts). */
  oddities: number;
  /** Oddities per character beyond ASCII. */
  oddityRate: number;
}

type DetectAll = (bytes: Uint8Array, options: { ignoreThreshold: boolean }) => { encoding: string | null; confidence: number }[];
let detectAll: DetectAll | undefined;

/**
 * The most likely legacy encoding of a sample that is not UTF-8: jschardet's statistical models
 * (a port of chardet 7) rank the candidates; a candidate that cannot hold every byte of the
 * sample (one undefined byte, or a C1 control) is out; candidates that read the sample the same
 * way are one reading, since the choice between them changes nothing; the uploader's locale
 * breaks a near tie between readings. The confidence is the chosen reading's share of the
 * scores of all readings. Measured on the shared encodings corpus: docs/ENCODINGS.md.
 */
export async function guessLegacyEncoding(sample: Buffer, options: { locale?: string; wholeFile?: boolean } = {}): Promise<LegacyGuess | undefined> {
  // Loaded on first use: its models take about 65 MB, which a worker that only ever sees UTF-8
  // never needs.
  detectAll ??= (await import('jschardet')).chardet.detectAll as DetectAll;
  const whole = options.wholeFile ? sample : wholeLines(sample);
  const readings: Reading[] = [];
  // The detector ranks every encoding it knows: restricting it to ours skews its scores (it then
  // read short Baltic files as Central European). Those outside our set are passed over.
  const ranked = detectAll(whole, { ignoreThreshold: true }).map((f) => ({ encoding: f.encoding && byLowerName.get(f.encoding.toLowerCase()), score: f.confidence }));
  for (const found of [...ranked, ...UNRANKED]) {
    const { encoding } = found;
    if (!encoding || readings.some((r) => r.encodings.includes(encoding))) continue;
    const text = iconv.decode(encoding.startsWith('utf-16') ? evenLength(whole) : whole, encoding);
    if (!holdsEveryByte(text, whole, encoding)) continue;
    // Ranked best first: a reading's score is its best encoding's.
    const same = readings.find((r) => r.text === text);
    if (same) same.encodings.push(encoding);
    else readings.push(reading(text, encoding, found.score));
  }
  if (readings.length === 0) return undefined;
  const total = readings.reduce((sum, r) => sum + r.score, 0);
  const preferred = codePageOfLocale(options.locale);
  const chosen = choose(readings, preferred);
  return {
    encoding: preferred && chosen.encodings.includes(preferred) ? preferred : reportedName(chosen.encodings),
    confidence: total > 0 ? round(chosen.score / total) : 0,
  };
}

function choose(readings: Reading[], preferred: string | undefined): Reading {
  const local = preferred ? readings.find((r) => r.encodings.includes(preferred)) : undefined;
  if (readings[0]!.score < NO_OPINION) return local ?? westernReading(readings) ?? readings[0]!;
  const best = plausibleBest(readings);
  return local && isTie(best, local) ? local : best;
}

/**
 * The detector's best reading, unless it is mostly oddities: on a few letters the statistics are
 * weak, a `˙˙`, a `╨╟` or a `±` inside a word is not.
 */
function plausibleBest(readings: Reading[]): Reading {
  const top = readings[0]!;
  if (top.oddityRate < MOSTLY_ODD) return top;
  const plausible = readings.reduce((a, b) => (b.oddityRate < a.oddityRate ? b : a));
  // It takes the top reading's place, and the detector's belief with it.
  return plausible === top ? top : { ...plausible, score: Math.max(plausible.score, top.score) };
}

function reading(text: string, encoding: string, score: number): Reading {
  const oddities = countOddities(text);
  const beyondAscii = text.length - text.replace(/[^\x00-\x7f]/g, '').length;
  return { text, encodings: [encoding], score, oddities, oddityRate: beyondAscii ? oddities / beyondAscii : 0 };
}

/** Of the readings, windows-1252's: what most spreadsheets are in when nothing says otherwise. */
const westernReading = (readings: Reading[]) => readings.find((r) => r.encodings.includes('windows-1252'));

/**
 * Whether the locale's reading may win over the best one. It breaks a tie between the code pages
 * Excel writes, never the evidence of the bytes: a reading with more oddities loses (ISO-8859-2
 * Polish read as windows-1250 shows `±` and `¶` inside its words), and a best reading only an
 * ISO-8859 code page gives stands (its bytes avoid every byte Windows adds to it; measured on
 * the corpus, ISO-8859-2 and -7 files scored 94–100% of their best with the Windows sibling).
 */
function isTie(best: Reading, local: Reading): boolean {
  if (best.encodings.every((e) => e.startsWith('iso-8859'))) return false;
  return local.score >= best.score * LOCALE_TIE_SHARE && local.oddities <= best.oddities;
}

/**
 * Of encodings that read the sample alike, the one Excel writes: windows-1252, the most common,
 * then another Windows code page over ISO-8859.
 */
function reportedName(encodings: string[]): string {
  if (encodings.includes('windows-1252')) return 'windows-1252';
  return encodings.find((e) => !e.startsWith('iso-8859')) ?? encodings[0]!;
}

function holdsEveryByte(text: string, bytes: Buffer, encoding: string): boolean {
  if (C1_CONTROL.test(text)) return false;
  if (!text.includes(REPLACEMENT)) return true;
  // GB18030 and UTF-16 can spell U+FFFD itself; then it is text, not a decoding failure.
  const spelling = replacementSpelling(encoding);
  return spelling !== undefined && countOf(text, REPLACEMENT) <= countOf(bytes, spelling);
}

/**
 * The sample up to its last line end (LF, or CR in files from old Mac Excel), so that no
 * candidate judges a character cut by its end: a half character reads as U+FFFD and would rule
 * the right encoding out.
 */
function wholeLines(sample: Buffer): Buffer {
  const end = Math.max(sample.lastIndexOf(0x0a), sample.lastIndexOf(0x0d));
  return end > 0 ? sample.subarray(0, end + 1) : sample;
}

const evenLength = (b: Buffer) => b.subarray(0, b.length - (b.length % 2));
const round = (n: number) => Math.round(n * 1000) / 1000;
