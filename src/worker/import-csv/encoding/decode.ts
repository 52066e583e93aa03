import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { LONE_SURROGATE } from '../../../shared/contract.js';
import { ImportError } from '../../../shared/errors.js';
import { scanUtf8, type EncodingChoice } from './detect-encoding.js';
import { laterSample } from './later-sample.js';
import { LineCounter, lineBreaks } from './line-breaks.js';
import { REPLACEMENT, countOf, replacementSpelling } from './replacement-character.js';

export interface DecodeStats {
  /** True once any decoded chunk held a NUL, so the row loop only looks for NULs when needed. */
  sawNul: boolean;
}

/**
 * Thrown by the UTF-8 decoder of a file whose sample was plain ASCII, at the first bytes that are
 * not UTF-8: the file is in another encoding, to be detected from these bytes and read again.
 */
export class NotUtf8AfterAll extends Error {
  constructor(
    /** The lines holding bytes beyond ASCII, from the first such byte's on (later-sample.ts). */
    readonly sample: Buffer,
    /** The sample reached the end of the file: its last line is whole. */
    readonly wholeFile: boolean,
    /** The ENCODING_ERROR to report if no other encoding reads these bytes either. */
    readonly error: ImportError,
  ) {
    super('the file is not UTF-8 after all');
    this.name = 'NotUtf8AfterAll';
  }
}

/**
 * Turns the file's bytes into UTF-8 bytes for csv-parse. UTF-8 input is validated and passed
 * through untouched (the fast path); other encodings go through iconv-lite. Invalid UTF-8, bytes
 * the encoding has no character for, and text with unpaired surrogates (which PostgreSQL's jsonb
 * cannot hold) are ENCODING_ERRORs naming the line: nothing is ever stored as U+FFFD that the
 * file did not spell as U+FFFD.
 */
export function createDecoder(choice: EncodingChoice, stats: DecodeStats) {
  return choice.encoding === 'utf-8' ? validateUtf8(choice, stats) : transcode(choice, stats);
}

function validateUtf8(choice: EncodingChoice, stats: DecodeStats) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const counter = new LineCounter();
    let carry: Buffer | undefined;
    let skip = choice.bomLength;
    // Until the first non-ASCII byte, an ASCII sample proved nothing about the encoding.
    let unproven = choice.asciiSample === true;
    for await (let chunk of source) {
      if (skip) {
        const cut = Math.min(skip, chunk.length);
        chunk = chunk.subarray(cut);
        skip -= cut;
      }
      if (carry) chunk = Buffer.concat([carry, chunk]);
      const end = completeLength(chunk);
      carry = end < chunk.length ? Buffer.from(chunk.subarray(end)) : undefined;
      const body = chunk.subarray(0, end);
      if (unproven && !isAscii(body)) {
        unproven = false;
        if (!isUtf8(body)) throw await notUtf8(body, counter.lines, source);
      }
      if (!isUtf8(body)) throw invalidUtf8(body, counter.lines);
      counter.add(body);
      if (!stats.sawNul && body.includes(0)) stats.sawNul = true;
      if (body.length) yield body;
    }
    if (carry) throw invalidUtf8(carry, counter.lines);
  };
}

/** Length of the prefix that does not end inside a multi-byte sequence. */
function completeLength(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back]!;
    if (c < 0x80) return b.length;
    if (c >= 0xc0) {
      const size = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return size > back ? b.length - back : b.length;
    }
  }
  return b.length;
}

/** What the decoder of an ASCII sample throws at its first bytes that are not UTF-8. */
async function notUtf8(body: Buffer, linesBefore: number, rest: AsyncIterable<Buffer>): Promise<NotUtf8AfterAll> {
  const later = await laterSample(body, body.findIndex((b) => b >= 0x80), rest);
  return new NotUtf8AfterAll(later.sample, later.wholeFile, invalidUtf8(body, linesBefore));
}

function invalidUtf8(b: Buffer, linesBefore: number): ImportError {
  const line = linesBefore + (scanUtf8(b).firstBadLine || 1);
  return new ImportError(
    'ENCODING_ERROR',
    `line ${line} has bytes that are not valid UTF-8; save the file again as UTF-8 or name its encoding`,
  );
}

function transcode(choice: EncodingChoice, stats: DecodeStats) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const decoder = iconv.getDecoder(choice.encoding, { stripBOM: false });
    let skip = choice.bomLength;
    const counter = new LineCounter();
    let pendingHigh = '';
    // iconv-lite writes U+FFFD for bytes the encoding has no character for. Only a file whose
    // encoding can spell U+FFFD itself (GB18030, UTF-16) may hold it: count those spellings.
    let replacements = 0;
    const spelled = spelledReplacements(choice.encoding);
    const emit = (text: string, bytes?: Buffer): Buffer | undefined => {
      text = pendingHigh + text;
      pendingHigh = '';
      // Not only UTF-16 (under any name: utf16, ucs2) can spell an unpaired surrogate: UTF-7 and
      // CESU-8 can too. Buffer.from would write it as U+FFFD, silently. A pair cut between two
      // chunks waits for its second half.
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        pendingHigh = text.slice(-1);
        text = text.slice(0, -1);
      }
      if (LONE_SURROGATE.test(text)) throw loneSurrogate(text, counter.lines);
      if (text.includes(REPLACEMENT)) {
        replacements += countOf(text, REPLACEMENT);
        if (replacements > spelled.count) throw undefinedBytes(choice.encoding, text, counter.lines, bytes);
      }
      if (!text) return undefined;
      counter.add(text);
      if (!stats.sawNul && text.includes('\0')) stats.sawNul = true;
      return Buffer.from(text, 'utf8');
    };
    const unit = codeUnitBytes(choice.encoding);
    let bytes = 0;
    for await (let chunk of source) {
      if (skip) {
        const cut = Math.min(skip, chunk.length);
        chunk = chunk.subarray(cut);
        skip -= cut;
      }
      bytes += chunk.length;
      spelled.scan(chunk);
      const out = emit(decoder.write(chunk), chunk);
      if (out) yield out;
    }
    // iconv-lite drops a trailing partial code unit without a word; that would lose data.
    if (bytes % unit !== 0) throw truncatedUnit(choice.encoding, unit, counter.lines);
    const out = emit(decoder.end() ?? '');
    if (out) yield out;
    if (pendingHigh) throw loneSurrogate(pendingHigh, counter.lines);
  };
}

/** Bytes per code unit: a file in these encodings is a whole number of them. */
function codeUnitBytes(encoding: string): number {
  const n = encoding.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (/^(utf16|ucs2)/.test(n)) return 2;
  if (/^(utf32|ucs4)/.test(n)) return 4;
  return 1;
}

function truncatedUnit(encoding: string, unit: number, linesBefore: number): ImportError {
  return new ImportError(
    'ENCODING_ERROR',
    `line ${linesBefore + 1} ends the file in the middle of a character: a ${encoding} file is made of ` +
      `${unit}-byte units, and this one has bytes left over; the file is truncated or damaged`,
  );
}

function loneSurrogate(text: string, linesBefore: number): ImportError {
  const at = text.search(LONE_SURROGATE);
  const line = linesBefore + lineBreaks(text.slice(0, Math.max(at, 0))) + 1;
  return new ImportError(
    'ENCODING_ERROR',
    `line ${line} has a broken UTF-16 character (an unpaired surrogate); the file is damaged`,
  );
}

/** Counts the byte sequences that spell U+FFFD in the encoding, across chunk boundaries. */
function spelledReplacements(encoding: string): { count: number; scan(chunk: Buffer): void } {
  const spelling = replacementSpelling(encoding);
  const counter = { count: 0, scan: (_chunk: Buffer): void => undefined };
  if (!spelling) return counter;
  let tail = Buffer.alloc(0);
  counter.scan = (chunk) => {
    const window = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    for (let i = window.indexOf(spelling); i !== -1; i = window.indexOf(spelling, i + spelling.length)) {
      // A match inside the carried tail was counted with the previous chunk.
      if (i + spelling.length > tail.length) counter.count++;
    }
    tail = Buffer.from(window.subarray(Math.max(0, window.length - (spelling.length - 1))));
  };
  return counter;
}

function undefinedBytes(encoding: string, text: string, linesBefore: number, bytes: Buffer | undefined): ImportError {
  const at = text.indexOf(REPLACEMENT);
  const line = linesBefore + lineBreaks(text.slice(0, at)) + 1;
  const before = text.slice(Math.max(text.lastIndexOf('\n', at), text.lastIndexOf('\r', at)) + 1, at).slice(-30);
  const byte = bytes && undefinedByte(bytes, encoding);
  const what = byte ? `the byte ${byte}` : 'bytes';
  const where = before ? ` after "${before}"` : ' at its start';
  return new ImportError(
    'ENCODING_ERROR',
    `line ${line} has ${what}${where} that ${encoding} has no character for: the file is damaged there, or not ` +
      `in ${encoding}; remove or fix that byte, or save the file again as UTF-8 or name its encoding`,
  );
}

/**
 * The first byte of the chunk that the encoding leaves undefined on its own (windows-1252's 0x81,
 * 0x8D, 0x8F, 0x90, 0x9D), as `0x81`; none for the lead byte of a multi-byte character.
 */
function undefinedByte(chunk: Buffer, encoding: string): string | undefined {
  for (const b of chunk) {
    if (b >= 0x80 && iconv.decode(Buffer.from([b, 0x41]), encoding) === `${REPLACEMENT}A`) {
      return `0x${b.toString(16).toUpperCase()}`;
    }
  }
  return undefined;
}
