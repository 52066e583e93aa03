import iconv from 'iconv-lite';
import { LONE_SURROGATE } from '../../../shared/contract.js';
import { codePageOfLocale } from './locale-code-page.js';
import { chooseReading, type Reading } from './choose-reading.js';
import { hasCjkEvidence } from './cjk-evidence.js';
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
  macroman: 'macintosh',
  'utf-16-le': 'utf-16le',
  'utf-16-be': 'utf-16be',
};
const byLowerName = new Map(Object.entries(CANDIDATES).map(([k, v]) => [k.toLowerCase(), v]));
/** Every candidate, after those the detector ranked: a reading it gave no score at all. */
const UNRANKED = [...new Set(Object.values(CANDIDATES))].map((encoding) => ({ encoding, score: 0 }));

// C1 controls: what ISO-8859-x makes of the bytes 0x80–0x9F, which Windows code pages use for
// letters and punctuation. Real text never holds them.
const C1_CONTROL = /[\u0080-\u009f]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export interface LegacyGuess {
  encoding: string;
  /** The chosen reading's share of the detector's scores over all readings of the sample, 0–1. */
  confidence: number;
}

type DetectAll = (bytes: Uint8Array, options: { ignoreThreshold: boolean }) => { encoding: string | null; confidence: number }[];
let detectAll: DetectAll | undefined;

/**
 * The most likely legacy encoding of a sample that is not UTF-8: jschardet's statistical models
 * (a port of chardet 7) rank the candidates; a candidate that reads a C1 control is out;
 * candidates that read the sample the same way are one reading, since the choice between them
 * changes nothing; choose-reading.ts weighs the readings. The confidence is the chosen reading's
 * share of the scores of all readings. Measured on the shared encodings corpus: docs/ENCODINGS.md.
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
    if (C1_CONTROL.test(text)) continue;
    // Ranked best first: a reading's score is its best encoding's.
    const same = readings.find((r) => r.text === text);
    if (same) same.encodings.push(encoding);
    else readings.push(reading(text, whole, encoding, found.score));
  }
  const total = readings.reduce((sum, r) => sum + r.score, 0);
  const preferred = codePageOfLocale(options.locale);
  const chosen = chooseReading(readings, preferred);
  if (!chosen) return undefined;
  return {
    encoding: preferred && chosen.encodings.includes(preferred) ? preferred : reportedName(chosen.encodings),
    confidence: total > 0 ? round(chosen.score / total) : 0,
  };
}

function reading(text: string, bytes: Buffer, encoding: string, score: number): Reading {
  const surrogates = text.match(LONE_SURROGATES)?.length ?? 0;
  // A U+FFFD is an oddity already; an unpaired surrogate is one too.
  const oddities = countOddities(text) + surrogates;
  const beyondAscii = text.length - text.replace(/[^\x00-\x7f]/g, '').length;
  return {
    text,
    encodings: [encoding],
    score,
    oddities,
    oddityRate: beyondAscii ? oddities / beyondAscii : 0,
    undefinedBytes: undefinedBytes(text, bytes, encoding, surrogates),
    multiByteEvidence: hasCjkEvidence(text, encoding),
  };
}

/**
 * Of encodings that read the sample alike, the one Excel writes: windows-1252, the most common,
 * then another Windows code page over ISO-8859.
 */
function reportedName(encodings: string[]): string {
  if (encodings.includes('windows-1252')) return 'windows-1252';
  return encodings.find((e) => !e.startsWith('iso-8859')) ?? encodings[0]!;
}

/**
 * U+FFFDs iconv-lite wrote for bytes the encoding has no character for, and unpaired surrogates
 * (UTF-16 read from bytes that are not UTF-16): the decoder refuses both.
 */
function undefinedBytes(text: string, bytes: Buffer, encoding: string, surrogates: number): number {
  if (!text.includes(REPLACEMENT)) return surrogates;
  // GB18030 and UTF-16 can spell U+FFFD itself; then it is text, not a decoding failure.
  const spelling = replacementSpelling(encoding);
  return surrogates + Math.max(0, countOf(text, REPLACEMENT) - (spelling ? countOf(bytes, spelling) : 0));
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
