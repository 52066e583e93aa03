import { ImportError } from '../../../shared/errors.js';
import { guessLegacyEncoding } from './legacy-encoding.js';

export const SAMPLE_BYTES = 64 * 1024;

export interface EncodingChoice {
  /** An iconv-lite name, or 'utf-8' for the validating pass-through. */
  encoding: string;
  /** Bytes of byte-order mark to drop before decoding. */
  bomLength: number;
  /** How sure the choice is, 0–1: 1 for a BOM, a declared encoding or a sample only ASCII can be. */
  confidence: number;
  /**
   * The sample was plain ASCII, so UTF-8 was a guess the bytes never tested: non-UTF-8 bytes
   * later in the file mean "read it again in their encoding", not a damaged file.
   */
  asciiSample?: boolean;
}

export interface EncodingHints {
  /** `csv.encoding`: anything but 'auto' skips detection (a matching BOM is still dropped). */
  declared?: string;
  /** `csv.locale`: breaks ties between code pages the bytes do not decide between. */
  locale?: string;
  /** The sample is the whole file, so its last character is not cut short. */
  wholeFile?: boolean;
}

/**
 * Picks the encoding of a file from its first bytes (DESIGN §5.1): a BOM wins; then UTF-8 when
 * the sample is valid UTF-8; a sample that is UTF-8 with damaged sequences is an ENCODING_ERROR
 * (never silent U+FFFD); otherwise the most likely legacy encoding (legacy-encoding.ts).
 */
export async function detectEncoding(sample: Buffer, hints: EncodingHints = {}): Promise<EncodingChoice> {
  const bom = readBom(sample);
  const declared = hints.declared ?? 'auto';
  if (declared !== 'auto') {
    const canonical = canonicalName(declared);
    // "UTF-16" names no byte order: the BOM gives it (iconv would keep the BOM as a U+FEFF).
    if (canonical === 'utf16' && bom && bom.encoding !== 'utf-8') return bom;
    return { encoding: canonical, bomLength: bom && bom.encoding === canonical ? bom.bomLength : 0, confidence: 1 };
  }
  if (bom) return bom;
  if (looksLikeUtf16(sample)) return legacy(sample, hints);
  const utf8 = scanUtf8(sample);
  if (utf8.garbage === 0 && utf8.truncated === 0) {
    if (utf8.valid === 0) return { encoding: 'utf-8', bomLength: 0, confidence: 1, asciiSample: true };
    return { encoding: 'utf-8', bomLength: 0, confidence: utf8Confidence(utf8.valid) };
  }
  if (utf8.garbage > 0 && singleByteKanaRange(sample)) {
    const kana = await legacy(sample, hints).catch(() => undefined);
    if (kana?.encoding === 'shift_jis') return kana;
  }
  if (utf8.valid + utf8.truncated >= utf8.garbage) {
    throw new ImportError(
      'ENCODING_ERROR',
      `the file looks like UTF-8 but has invalid bytes on line ${utf8.firstBadLine}; save it again as UTF-8`,
    );
  }
  return legacy(sample, hints);
}

async function legacy(sample: Buffer, hints: EncodingHints): Promise<EncodingChoice> {
  const guess = await guessLegacyEncoding(sample, hints);
  if (!guess) {
    throw new ImportError(
      'ENCODING_ERROR',
      'the file is in no encoding this service can read without losing characters; save it again as UTF-8',
    );
  }
  return { encoding: guess.encoding, bomLength: 0, confidence: guess.confidence };
}

/**
 * Whether every byte beyond ASCII lies in 0xA1–0xDF: Shift_JIS's half-width katakana (Japanese
 * bank and payroll exports), where lead and continuation bytes alternate and pass for UTF-8 in
 * places (`ﾒｲ` is `Ҳ`). With bytes that cannot be UTF-8 at all among them, the legacy detection
 * may read it as kana; anything else it makes of them stays damaged UTF-8 (`é` is `C3 A9`, in
 * that range too).
 */
function singleByteKanaRange(sample: Buffer): boolean {
  return sample.every((b) => b < 0x80 || (b >= 0xa1 && b <= 0xdf));
}

/**
 * UTF-16 without a BOM: the delimiters, digits and line ends are ASCII, so every other byte is
 * NUL, on one side only. A stray NUL or a run of NUL padding in a UTF-8 file is not that.
 */
export function looksLikeUtf16(sample: Buffer): boolean {
  const nuls = [0, 0];
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) nuls[i % 2]!++;
  const more = Math.max(nuls[0]!, nuls[1]!);
  const fewer = Math.min(nuls[0]!, nuls[1]!);
  const units = sample.length / 2;
  return more >= 6 && more >= 0.05 * units && fewer <= 0.01 * units;
}

/**
 * Legacy text forms a valid multi-byte UTF-8 sequence only by chance (a lead byte followed by
 * the right number of continuation bytes): one such sequence is weak evidence, three are not.
 */
function utf8Confidence(sequences: number): number {
  return sequences >= 3 ? 1 : sequences === 2 ? 0.99 : 0.9;
}

function canonicalName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  // iconv-lite's ucs2 is UTF-16LE under another name.
  if (n === 'utf16le' || n === 'ucs2') return 'utf-16le';
  return n === 'utf8' ? 'utf-8' : n === 'utf16be' ? 'utf-16be' : n === 'utf16' ? 'utf16' : name;
}

function readBom(b: Buffer): EncodingChoice | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3, confidence: 1 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2, confidence: 1 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2, confidence: 1 };
  return undefined;
}

interface Utf8Scan {
  valid: number;
  truncated: number;
  garbage: number;
  firstBadLine: number;
}

/**
 * Counts complete multi-byte sequences, sequences that start right but are cut short or damaged,
 * and bytes that cannot start or continue UTF-8. A sequence cut by the end of the sample is fine.
 */
export function scanUtf8(b: Buffer): Utf8Scan {
  const scan: Utf8Scan = { valid: 0, truncated: 0, garbage: 0, firstBadLine: 0 };
  let line = 1;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      // LF, CRLF and a lone CR each end a line.
      if (c === 0x0a || (c === 0x0d && b[i + 1] !== 0x0a)) line++;
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    let got = 0;
    while (need > 0 && got < need && i + 1 + got < b.length && isContinuation(b[i + 1 + got]!)) got++;
    if (need > 0 && got === need) {
      // Shaped like UTF-8 but forbidden (overlong, surrogate, past U+10FFFF): Node's isUtf8 rejects
      // these, so the scan must too, or the decoder's ENCODING_ERROR names the wrong line.
      if (secondByteAllowed(c, b[i + 1]!)) scan.valid++;
      else {
        scan.truncated++;
        if (!scan.firstBadLine) scan.firstBadLine = line;
      }
      i += 1 + need;
      continue;
    }
    if (need > 0 && i + 1 + got >= b.length) break;
    if (need > 0 && got > 0) scan.truncated++;
    else scan.garbage++;
    if (!scan.firstBadLine) scan.firstBadLine = line;
    i += 1 + got;
  }
  return scan;
}

const isContinuation = (c: number) => c >= 0x80 && c <= 0xbf;

/** The narrower ranges of Unicode's table 3-7 for the byte after E0, ED, F0 and F4. */
function secondByteAllowed(lead: number, next: number): boolean {
  if (lead === 0xe0) return next >= 0xa0;
  if (lead === 0xed) return next <= 0x9f;
  if (lead === 0xf0) return next >= 0x90;
  if (lead === 0xf4) return next <= 0x8f;
  return true;
}
