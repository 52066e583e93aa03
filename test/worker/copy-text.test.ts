import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyJsonKey, copyJsonString, copyJsonStringContent, copyJsonText } from '../../src/worker/import-csv/copy-text.js';

/** What PostgreSQL's COPY text format makes of a column value (backslash escapes only). */
function fromCopy(text: string): string {
  const named: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  return text.replace(/\\(.)/gsu, (_, ch: string) => named[ch] ?? ch);
}

/** A COPY value must not hold raw tab, LF or CR: they would split the column or the row. */
const RAW_SEPARATOR = /[\t\n\r]/;

describe('copyJsonString', () => {
  it('writes plain text as a JSON string without escaping', () => {
    expect(copyJsonString('Anytown WW')).toBe('"Anytown WW"');
  });

  it.each([
    ['a backslash', 'C:\\temp', '"C:\\\\\\\\temp"'],
    ['\\N (COPY\'s NULL marker)', '\\N', '"\\\\\\\\N"'],
    ['a lone "\\." (COPY\'s end marker)', '\\.', '"\\\\\\\\."'],
    ['a double quote', 'say "hi"', '"say \\\\"hi\\\\""'],
    ['a tab', 'a\tb', '"a\\\\tb"'],
    ['a line break', 'a\r\nb', '"a\\\\r\\\\nb"'],
    ['a NUL', 'a\0b', '"a\\\\u0000b"'],
  ])('escapes %s for JSON and then for COPY', (_name, value, copyText) => {
    expect(copyJsonString(value)).toBe(copyText);
    expect(JSON.parse(fromCopy(copyJsonString(value)))).toBe(value);
  });

  it('leaves emoji, 4-byte characters and U+2028 as they are', () => {
    const value = '😀 🦆 𝄞 \u2028 \u2029 名前';
    expect(copyJsonString(value)).toBe(`"${value}"`);
  });

  it('round-trips any string through COPY text and JSON without raw separators', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const text = copyJsonString(value);
        expect(RAW_SEPARATOR.test(text)).toBe(false);
        expect(JSON.parse(fromCopy(text))).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('copyJsonText', () => {
  it('doubles backslashes of JSON escapes so COPY hands them on unchanged', () => {
    const json = '{"path":"C:\\\\temp","q":"say \\"hi\\""}';
    expect(copyJsonText(json)).toBe('{"path":"C:\\\\\\\\temp","q":"say \\\\"hi\\\\""}');
    expect(JSON.parse(fromCopy(copyJsonText(json)))).toEqual({ path: 'C:\\temp', q: 'say "hi"' });
  });

  it('folds line breaks and tabs between JSON tokens into spaces', () => {
    const json = '{\r\n\t"a": [1,\n 2]\n}';
    const text = copyJsonText(json);
    expect(RAW_SEPARATOR.test(text)).toBe(false);
    expect(JSON.parse(fromCopy(text))).toEqual({ a: [1, 2] });
  });

  it('keeps big numbers as written, for jsonb to store exactly', () => {
    expect(copyJsonText('{"id":12345678901234567890}')).toBe('{"id":12345678901234567890}');
  });

  it('round-trips any JSON document, however it is spaced', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t', '\r\n'), (value, space) => {
        const json = JSON.stringify(value, null, space as string | number | undefined);
        const text = copyJsonText(json);
        expect(RAW_SEPARATOR.test(text)).toBe(false);
        expect(JSON.parse(fromCopy(text))).toEqual(JSON.parse(json));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('copyJsonKey', () => {
  it('writes a member name with its colon, escaped like any string', () => {
    expect(copyJsonKey('first_name')).toBe('"first_name":');
    expect(copyJsonKey('a\\b')).toBe('"a\\\\\\\\b":');
  });
});

describe('copyJsonStringContent', () => {
  it('is what copyJsonString puts between its quotes, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(`"${copyJsonStringContent(value)}"`).toBe(copyJsonString(value));
      }),
    );
  });

  it('gives a value that needs no escaping back as it is', () => {
    expect(copyJsonStringContent('São Paulo')).toBe('São Paulo');
    expect(copyJsonStringContent('say "hi"')).toBe('say \\\\"hi\\\\"');
  });
});
