import { Parser, type Info, type Options } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { CsvOptions } from '../../src/shared/contract.js';
import { specialiseByteTests, type ByteTestsCore } from '../../src/worker/import-csv/csv-byte-tests.js';
import { csvParseOptions } from '../../src/worker/import-csv/csv-records.js';

interface Core extends ByteTestsCore {
  info: Info;
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

/** What a parse produced: each record with the counters as they stood when it was pushed, and the error it ended with. */
function parseAll(options: Options, text: Buffer, chunkBytes: number, specialised: boolean): unknown[] {
  const core = (new Parser({ ...options, info: false, columns: false }) as unknown as { api: Core }).api;
  if (specialised) specialiseByteTests(core);
  const out: unknown[] = [];
  const push = (record: string[]) => out.push({ record, lines: core.info.lines, bytes: core.info.bytes, empty: core.info.empty_lines });
  for (let at = 0; at < text.length; at += chunkBytes) {
    const err = core.parse(text.subarray(at, at + chunkBytes), false, push, () => undefined);
    if (err) return [...out, (err as { code?: string }).code];
  }
  const err = core.parse(undefined, true, push, () => undefined);
  return err ? [...out, (err as { code?: string }).code] : out;
}

/** A deterministic text from the bytes a parser can trip over: delimiters, quotes, escapes, every line end, multi-byte characters. */
function randomText(seed: number, length: number): string {
  const alphabet = ['a', 'b', ',', ';', '\t', '|', '"', "'", '\\', '\r', '\n', '\r\n', ' ', 'é', '€', '´', '0'];
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    text += alphabet[state % alphabet.length];
  }
  return text;
}

const SHAPES: [name: string, csv: Partial<CsvOptions>, delimiter: string][] = [
  ['comma, double quote doubled', { quote: '"', escape: '"' }, ','],
  ['semicolon, single quote doubled', { quote: "'", escape: '"' }, ';'],
  ['tab, backslash escape', { quote: '"', escape: '\\' }, '\t'],
  ['pipe, a two-byte quote (csv-parse keeps its own tests)', { quote: '´', escape: '"' }, '|'],
];

describe('specialiseByteTests', () => {
  for (const [name, csv, delimiter] of SHAPES) {
    it(`reads every text as csv-parse's own tests do, in chunks of any size: ${name}`, () => {
      const options = csvParseOptions(CsvOptions.parse(csv), delimiter, 1 << 20);
      for (let seed = 1; seed <= 150; seed++) {
        const text = Buffer.from(randomText(seed, 40 + (seed % 60)), 'utf8');
        for (const chunk of [1, 2, 3, 5, text.length]) {
          expect(parseAll(options, text, chunk, true), `seed ${seed}, chunks of ${chunk}`).toEqual(parseAll(options, text, chunk, false));
        }
      }
    });
  }

  it('reads mixed line ends, blank lines and quoted line breaks split across chunks as csv-parse does', () => {
    const options = csvParseOptions(CsvOptions.parse({ quote: '"' }), ',', 1 << 20);
    const text = Buffer.from('a,b\r\n"x\r\ny",2\r\r\n\n3,"q""q"\r4,5\n"6"', 'utf8');
    for (const chunk of [1, 2, 3, 4, text.length]) {
      const records = parseAll(options, text, chunk, true);
      expect(records).toEqual(parseAll(options, text, chunk, false));
      expect(records.map((r) => (r as { record: string[] }).record)).toEqual([['a', 'b'], ['x\r\ny', '2'], ['3', 'q"q'], ['4', '5'], ['6']]);
    }
  });
});
