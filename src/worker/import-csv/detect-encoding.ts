import chardet from 'chardet';
import iconv from 'iconv-lite';
import { ImportError } from '../../shared/errors.js';

export const SAMPLE_BYTES = 64 * 1024;

export interface EncodingChoice {
  /** An iconv-lite name, or 'utf-8' for the validating pass-through. */
  encoding: string;
  /** Bytes of byte-order mark to drop before decoding. */
  bomLength: number;
}

const CJK_CANDIDATES = ['Shift_JIS', 'EUC-JP', 'GB18030', 'Big5', 'EUC-KR'];
// Kana, CJK ideographs, Hangul and full-width forms: what real CJK text decodes to. Half-width
// katakana is left out: Shift-JIS maps the Latin-1 letters 0xA1–0xDF to it.
const CJK_CHAR = /[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff01-\uff60\uffe0-\uffee]/gu;

/**
 * Picks the encoding of a file from its first bytes (DESIGN §5): a BOM wins; then UTF-8 when the
 * sample is valid UTF-8; a sample that is UTF-8 with damaged sequences is an ENCODING_ERROR (never
 * silent U+FFFD); a CJK multi-byte encoding when one decodes the sample cleanly and plausibly;
 * otherwise Windows-1252, which maps every byte and is what spreadsheet exports use in practice.
 * `declared` (anything but 'auto') skips detection, but a matching BOM is still dropped.
 */
export function detectEncoding(sample: Buffer, declared = 'auto'): EncodingChoice {
  const bom = readBom(sample);
  if (declared !== 'auto') {
    const canonical = canonicalName(declared);
    // "UTF-16" names no byte order: the BOM gives it (iconv would keep the BOM as a U+FEFF).
    if (canonical === 'utf16' && bom && bom.encoding !== 'utf-8') return bom;
    return { encoding: canonical, bomLength: bom && bom.encoding === canonical ? bom.bomLength : 0 };
  }
  if (bom) return bom;
  const utf8 = scanUtf8(sample);
  if (utf8.garbage === 0 && utf8.truncated === 0) return { encoding: 'utf-8', bomLength: 0 };
  if (utf8.valid + utf8.truncated >= utf8.garbage) {
    throw new ImportError(
      'ENCODING_ERROR',
      `the file looks like UTF-8 but has invalid bytes on line ${utf8.firstBadLine}; save it again as UTF-8`,
    );
  }
  return { encoding: detectCjk(sample) ?? 'windows-1252', bomLength: 0 };
}

function canonicalName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  // iconv-lite's ucs2 is UTF-16LE under another name.
  if (n === 'utf16le' || n === 'ucs2') return 'utf-16le';
  return n === 'utf8' ? 'utf-8' : n === 'utf16be' ? 'utf-16be' : n === 'utf16' ? 'utf16' : name;
}

function readBom(b: Buffer): EncodingChoice | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
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
      if (c === 0x0a) line++;
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

function detectCjk(sample: Buffer): string | undefined {
  const scores = new Map(chardet.analyse(sample).map((m) => [m.name as string, m.confidence]));
  let best: { name: string; score: number } | undefined;
  for (const name of CJK_CANDIDATES) {
    const text = iconv.decode(sample, name);
    // The sample may end inside a character: ignore its last one.
    if (text.slice(0, -1).includes('\ufffd')) continue;
    const nonAscii = text.replace(/[\x00-\x7f]/g, '').length;
    const cjk = text.match(CJK_CHAR)?.length ?? 0;
    if (nonAscii === 0 || cjk / nonAscii < 0.8) continue;
    const score = cjk + (scores.get(name) ?? 0);
    if (!best || score > best.score) best = { name, score };
  }
  return best?.name;
}
