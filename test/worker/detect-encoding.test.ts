import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { detectEncoding, scanUtf8 } from '../../src/worker/import-csv/detect-encoding.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function encodingError(run: () => unknown): ImportError {
  try {
    run();
  } catch (err) {
    if (err instanceof ImportError) return err;
    throw err;
  }
  throw new Error('expected an ENCODING_ERROR');
}

describe('detectEncoding', () => {
  it.each([
    ['UTF-8', [0xef, 0xbb, 0xbf], 'utf-8', 3],
    ['UTF-16LE', [0xff, 0xfe], 'utf-16le', 2],
    ['UTF-16BE', [0xfe, 0xff], 'utf-16be', 2],
  ])('recognises a %s byte-order mark and reports its length', (_name, bom, encoding, bomLength) => {
    expect(detectEncoding(bytes(bom, 'a\0,\0b\0'))).toEqual({ encoding, bomLength });
  });

  it('lets a BOM win over bytes that look like another encoding', () => {
    // Windows-1252 bytes after a UTF-16LE BOM are still read as UTF-16LE.
    expect(detectEncoding(bytes([0xff, 0xfe, 0xe9, 0x00]))).toEqual({ encoding: 'utf-16le', bomLength: 2 });
  });

  it('reads plain ASCII as UTF-8', () => {
    expect(detectEncoding(bytes('a,b\n1,2\n'))).toEqual({ encoding: 'utf-8', bomLength: 0 });
  });

  it('reads valid multi-byte UTF-8 as UTF-8', () => {
    expect(detectEncoding(bytes('name\nJosé\nŁukasz\n名前\n😀\n'))).toEqual({ encoding: 'utf-8', bomLength: 0 });
  });

  it.each([1, 2, 3])('accepts UTF-8 whose last character is cut after %i byte(s) by the end of the sample', (keep) => {
    const emoji = Buffer.from('😀', 'utf8');
    expect(detectEncoding(bytes('José,Zoë\n', [...emoji.subarray(0, keep)])).encoding).toBe('utf-8');
  });

  it('rejects UTF-8 with damaged sequences as ENCODING_ERROR naming the first bad line', () => {
    const sample = bytes('name\nJosé\nZoë\nRen', [0xc3], 'e\n');
    const err = encodingError(() => detectEncoding(sample));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 4\b/);
    expect(err.retryable).toBe(false);
  });

  it('rejects a multi-byte sequence that stops short inside the sample (a truncated character)', () => {
    const err = encodingError(() => detectEncoding(bytes('042|42|', [0xe2, 0x82, 0x28], '\n')));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 1\b/);
  });

  it('rejects a sample whose only damage is an encoded surrogate, naming its line', () => {
    const err = encodingError(() => detectEncoding(bytes('name\nJosé\nx', [0xed, 0xa0, 0x80], '\n')));
    expect(err.code).toBe('ENCODING_ERROR');
    expect(err.message).toMatch(/line 3\b/);
  });

  it('falls back to Windows-1252 for single-byte text that is not UTF-8', () => {
    const sample = iconv.encode('Bank Name\u00a0,City\nFirst–Citizens Bank,Santa Clara\nCafé,Zoë\n', 'windows-1252');
    expect(detectEncoding(sample)).toEqual({ encoding: 'windows-1252', bomLength: 0 });
  });

  it('does not mistake text made only of Latin-1 letters for a CJK encoding', () => {
    const sample = iconv.encode('ýýýýýýý ýýýýýýýý,ý\r\nýýý ýýýýýýýýý,ý\r\nýý ýýýýý,Ø\r\n', 'latin1');
    expect(detectEncoding(sample).encoding).toBe('windows-1252');
  });

  it('recognises Shift-JIS Japanese text', () => {
    const sample = iconv.encode('名前,年齢\r\n山田,30\r\n佐藤,28\r\n鈴木,32\r\n高橋,29\r\n表示,25\r\n', 'Shift_JIS');
    expect(detectEncoding(sample).encoding).toBe('Shift_JIS');
  });

  it('uses a declared encoding without guessing, and drops a BOM only when it matches', () => {
    expect(detectEncoding(bytes('abc'), 'windows-1252')).toEqual({ encoding: 'windows-1252', bomLength: 0 });
    expect(detectEncoding(bytes([0xef, 0xbb, 0xbf], 'abc'), 'UTF8')).toEqual({ encoding: 'utf-8', bomLength: 3 });
    expect(detectEncoding(bytes([0xff, 0xfe], 'a\0'), 'utf-16le')).toEqual({ encoding: 'utf-16le', bomLength: 2 });
    expect(detectEncoding(bytes([0xef, 0xbb, 0xbf], 'abc'), 'latin1')).toEqual({ encoding: 'latin1', bomLength: 0 });
  });

  it('does not reject a declared encoding over bytes that are not valid UTF-8', () => {
    expect(detectEncoding(bytes('Ren', [0xc3], 'e\n'), 'windows-1252').encoding).toBe('windows-1252');
  });
});

describe('scanUtf8', () => {
  it('finds damage exactly where Node\'s own UTF-8 validation does', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 3 }).map((s) => [...Buffer.from(s, 'utf8')]),
      fc.array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 4 }),
      fc.constantFrom([0xed, 0xa0, 0x80], [0xe0, 0x9f, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xc1, 0xbf]),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        // A final newline, so no sequence is excused as cut by the end of the sample.
        const b = Buffer.from([...pieces.flat(), 0x0a]);
        const scan = scanUtf8(b);
        expect(scan.garbage + scan.truncated === 0).toBe(isUtf8(b));
      }),
      { numRuns: 2000 },
    );
  });
});
