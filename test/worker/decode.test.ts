import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { NotUtf8AfterAll, createDecoder, type DecodeStats } from '../../src/worker/import-csv/encoding/decode.js';
import type { EncodingChoice } from '../../src/worker/import-csv/encoding/detect-encoding.js';

async function* chunked(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

/** Splits bytes into chunks at the given offsets. */
function splitAt(buf: Buffer, ...offsets: number[]): Buffer[] {
  const cuts = [0, ...offsets, buf.length];
  return cuts.slice(1).map((end, i) => buf.subarray(cuts[i], end));
}

const everyByte = (buf: Buffer) => [...buf].map((b) => Buffer.from([b]));

async function decode(choice: EncodingChoice, parts: Buffer[], stats: DecodeStats = { sawNul: false }) {
  const out: Buffer[] = [];
  for await (const chunk of createDecoder(choice, stats)(chunked(parts))) out.push(chunk);
  return out;
}

async function decodeText(choice: EncodingChoice, parts: Buffer[]): Promise<string> {
  return Buffer.concat(await decode(choice, parts)).toString('utf8');
}

async function decodeError(choice: EncodingChoice, parts: Buffer[]): Promise<ImportError> {
  const err = await decode(choice, parts).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ImportError)) throw new Error(`expected an ImportError, got ${String(err)}`);
  return err;
}

const UTF8: EncodingChoice = { encoding: 'utf-8', bomLength: 0, confidence: 1 };
const UTF16LE: EncodingChoice = { encoding: 'utf-16le', bomLength: 0, confidence: 1 };
const UTF16BE: EncodingChoice = { encoding: 'utf-16be', bomLength: 0, confidence: 1 };

describe('createDecoder for UTF-8', () => {
  const text = 'name,city\nJosé,Łódź\n名前,😀 🦆\n';
  const bytes = Buffer.from(text, 'utf8');

  it('passes UTF-8 through unchanged when every character is split across chunks', async () => {
    const chunks = await decode(UTF8, everyByte(bytes));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
    // No chunk handed to the CSV parser ends inside a character.
    for (const chunk of chunks) expect(isUtf8(chunk)).toBe(true);
  });

  it.each([1, 2, 3])('joins a 4-byte character cut after byte %i of it', async (cut) => {
    const emoji = Buffer.from('a😀b', 'utf8');
    expect(await decodeText(UTF8, splitAt(emoji, 1 + cut))).toBe('a😀b');
  });

  it('drops a BOM even when it arrives one byte at a time', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    expect(await decodeText({ encoding: 'utf-8', bomLength: 3, confidence: 1 }, everyByte(withBom))).toBe(text);
  });

  it('rejects invalid UTF-8 in the middle of the stream with ENCODING_ERROR naming its line', async () => {
    const parts = [Buffer.from('a,b\n1,2\n'), Buffer.from('3,4\n'), Buffer.concat([Buffer.from('5,'), Buffer.from([0xff]), Buffer.from('\n6,7\n')])];
    const err = await decodeError(UTF8, parts);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 4\b/);
  });

  it('rejects a sequence broken across a chunk boundary', async () => {
    const err = await decodeError(UTF8, [Buffer.from([0x61, 0x0a, 0xc3]), Buffer.from([0x28, 0x0a])]);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 2\b/);
  });

  it('rejects a file that ends inside a multi-byte character', async () => {
    const err = await decodeError(UTF8, [Buffer.from('a\nb'), Buffer.from([0xe2, 0x82])]);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 2\b/);
  });

  it.each([
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['an overlong form', [0xe0, 0x80, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('rejects %s (well-formed-looking bytes UTF-8 forbids) and names its line', async (_name, bad) => {
    const err = await decodeError(UTF8, [Buffer.concat([Buffer.from('a\nb\nc'), Buffer.from(bad), Buffer.from('\n')])]);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b/);
  });

  it('notes whether any NUL passed through', async () => {
    const clean: DecodeStats = { sawNul: false };
    await decode(UTF8, [Buffer.from('a,b\n')], clean);
    expect(clean.sawNul).toBe(false);
    const withNul: DecodeStats = { sawNul: false };
    await decode(UTF8, [Buffer.from('a,b\n'), Buffer.from('c\0,d\n')], withNul);
    expect(withNul.sawNul).toBe(true);
  });
});

describe('createDecoder for other encodings', () => {
  it('transcodes Windows-1252 to UTF-8, including the en dash at 0x96', async () => {
    const bytes = Buffer.from([0x46, 0x69, 0x72, 0x73, 0x74, 0x96, 0x43, 0x69, 0x74, 0x2c, 0xa0, 0xe9]);
    expect(await decodeText({ encoding: 'windows-1252', bomLength: 0, confidence: 1 }, everyByte(bytes))).toBe('First–Cit,\u00a0é');
  });

  it('transcodes Shift-JIS split at every byte', async () => {
    const text = '名前,年齢\r\n表示,25\r\n';
    expect(await decodeText({ encoding: 'Shift_JIS', bomLength: 0, confidence: 1 }, everyByte(iconv.encode(text, 'Shift_JIS')))).toBe(text);
  });

  it.each([1, 2, 3])('joins a UTF-16LE surrogate pair cut after byte %i of it', async (cut) => {
    const bytes = iconv.encode('a😀b', 'utf-16le');
    expect(await decodeText(UTF16LE, splitAt(bytes, 2 + cut))).toBe('a😀b');
  });

  it('joins UTF-16BE surrogate pairs when every byte is its own chunk, and drops the BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('x,🦆\n😀,y\n', 'utf-16be')]);
    expect(await decodeText({ encoding: 'utf-16be', bomLength: 2, confidence: 1 }, everyByte(bytes))).toBe('x,🦆\n😀,y\n');
  });

  it('rejects a lone high surrogate with ENCODING_ERROR naming its line', async () => {
    const bytes = Buffer.concat([iconv.encode('a\nb\nc', 'utf-16le'), Buffer.from([0x00, 0xd8]), iconv.encode('x\n', 'utf-16le')]);
    const err = await decodeError(UTF16LE, [bytes]);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b/);
  });

  it('rejects a lone low surrogate', async () => {
    const bytes = Buffer.concat([iconv.encode('a\n', 'utf-16be'), Buffer.from([0xdc, 0x00]), iconv.encode('\n', 'utf-16be')]);
    const err = await decodeError(UTF16BE, [bytes]);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 2\b/);
  });

  it('rejects a high surrogate at the very end of the file', async () => {
    const bytes = Buffer.concat([iconv.encode('a,b\n', 'utf-16le'), Buffer.from([0x3d, 0xd8])]);
    const err = await decodeError(UTF16LE, everyByte(bytes));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 2\b/);
  });

  it.each([
    ['utf-16le', 1],
    ['utf-16be', 3],
    ['utf-32le', 2],
  ])('rejects a %s file that ends inside a code unit (%i stray bytes) with ENCODING_ERROR on the last line', async (encoding, stray) => {
    const bytes = Buffer.concat([iconv.encode('a,b\nc,d\n', encoding), Buffer.from('xyz').subarray(0, stray)]);
    const err = await decodeError({ encoding, bomLength: 0, confidence: 1 }, everyByte(bytes));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b.*middle of a character/);
  });

  it('accepts a UTF-16 file whose BOM is skipped and whose body is whole code units', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('a,b\n', 'utf-16le')]);
    expect(await decodeText({ encoding: 'utf-16le', bomLength: 2, confidence: 1 }, splitAt(bytes, 1))).toBe('a,b\n');
  });

  it('notes a NUL found in transcoded text', async () => {
    const stats: DecodeStats = { sawNul: false };
    await decode(UTF16LE, [iconv.encode('a\0b\n', 'utf-16le')], stats);
    expect(stats.sawNul).toBe(true);
  });
});

describe('createDecoder never stores U+FFFD for bytes that did not say U+FFFD', () => {
  const choice = (encoding: string): EncodingChoice => ({ encoding, bomLength: 0, confidence: 1 });

  it.each([0x81, 0x8d, 0x8f, 0x90, 0x9d])('rejects byte 0x%s, which windows-1252 has no character for, naming its line', async (byte) => {
    const bytes = Buffer.concat([iconv.encode('name,city\nZoë,Köln\nx', 'windows-1252'), Buffer.from([byte]), Buffer.from('y,z\n')]);
    const err = await decodeError(choice('windows-1252'), [bytes]);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b.*windows-1252 has no character/);
  });

  it('rejects a byte sequence Shift_JIS cannot decode, even when it arrives split across chunks', async () => {
    const bytes = Buffer.concat([iconv.encode('名前\r\n山田\r\n', 'shift_jis'), Buffer.from([0x85, 0x40]), Buffer.from('\r\n')]);
    const err = await decodeError(choice('shift_jis'), everyByte(bytes));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b/);
  });

  it('keeps a U+FFFD that GB18030 spells out, wherever the chunks cut it', async () => {
    const text = '名称,值\n替换,\ufffd\n';
    const bytes = iconv.encode(text, 'gb18030');
    expect(await decodeText(choice('gb18030'), everyByte(bytes))).toBe(text);
    expect(await decodeText(choice('gb18030'), [bytes])).toBe(text);
  });

  it('rejects a GB18030 file that holds one spelled U+FFFD and one undecodable byte', async () => {
    const bytes = Buffer.concat([iconv.encode('a,\ufffd\n', 'gb18030'), Buffer.from([0xff, 0x0a])]);
    const err = await decodeError(choice('gb18030'), [bytes]);
    expect(err.code).toBe('ENCODING_ERROR');
  });
});

describe('createDecoder for a file whose sample was plain ASCII', () => {
  const ascii: EncodingChoice = { encoding: 'utf-8', bomLength: 0, confidence: 1, asciiSample: true };

  it('hands the bytes that are not UTF-8 back, from the start of their line, for another pass', async () => {
    const later = iconv.encode('Café,Zoë\n', 'windows-1252');
    const err = await decode(ascii, [Buffer.from('a,b\n'.repeat(10)), Buffer.concat([Buffer.from('x,y\n'), later])]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotUtf8AfterAll);
    expect((err as NotUtf8AfterAll).sample.equals(later)).toBe(true);
    expect((err as NotUtf8AfterAll).error.message).toMatch(/line 12\b/);
  });

  it('treats damage after valid UTF-8 as damage, not as another encoding', async () => {
    const parts = [Buffer.from('a,b\n'), Buffer.from('José,Zoë\n'), Buffer.from([0x52, 0xe9, 0x0a])];
    const err = await decodeError(ascii, parts);
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b/);
  });
});
