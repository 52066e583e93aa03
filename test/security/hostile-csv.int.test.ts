import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportRequest, type ImportRequestInput, type ImportResult } from '../../src/shared/contract.js';
import { ImportError } from '../../src/shared/errors.js';
import { importCsv } from '../../src/worker/import-csv/import-csv.js';
import { bufferSource } from '../helpers/buffer-source.js';
import { encodeText, type TextEncoding } from '../helpers/encode-text.js';
import { isKeySlug } from '../helpers/key-slug.js';
import { countAll, readColumns, readList, readRows } from '../helpers/read-list.js';
import { TEST_LIMITS } from '../helpers/run-import.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../helpers/test-db.js';

/**
 * Headers and values built to break COPY's text format (`\.`, `\N`, backslashes, tabs, line
 * ends) or JSON (quotes, U+2028, escapes, keys like __proto__), in every encoding the engine
 * reads: each comes back byte-exact or the import fails with a documented code and nothing
 * stored. test/worker/hostile-values.int.test.ts covers values in a UTF-8 file; this file adds
 * header names, UTF-16, hostile JSON and broken UTF-16.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

type Request = Omit<ImportRequestInput, 'jobId' | 'source' | 'list'>;

async function importBytes(bytes: Buffer, request: Request = {}, cuts: number[] = []): Promise<{ jobId: string; result: ImportResult }> {
  const jobId = `hostile-${randomUUID()}`;
  const job = ImportRequest.parse({ jobId, source: { key: 'hostile.csv' }, list: { name: 'hostile' }, ...request });
  const result = await importCsv(job, { db: db.db, pool: db.pool, source: bufferSource(bytes, cuts, 'hostile.csv'), limits: TEST_LIMITS, log: silentLogger });
  return { jobId, result };
}

/** The ImportError the import failed with, after checking it left nothing behind. */
async function importFailure(bytes: Buffer, request: Request = {}): Promise<ImportError> {
  const before = await countAll(db.pool);
  const outcome = await importBytes(bytes, request).then(
    ({ result }) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected the import to fail; it stored ${outcome.result.rows} rows`);
  if (!(outcome.error instanceof ImportError)) throw outcome.error;
  expect(await countAll(db.pool)).toEqual(before);
  return outcome.error;
}

const field = (value: string) => `"${value.replaceAll('"', '""')}"`;

/** Header names meant to break COPY text, JSON keys or SQL; each is stored as written. */
const HOSTILE_NAMES = [
  '\\.', '\\N', '\\\\N', '\\', '\\\\\\\\', 'back\\slash', 'tab\there', 'cr\rhere', 'lf\nhere', 'crlf\r\nhere', '\\.\n\\.',
  'say "hi"', '"', '""', 'line\u2028sep', 'para\u2029graph', '{"json":"key"}', '\\u0000 as text', '\\ud800 as text', '__proto__',
  'constructor', 'prototype', 'toString', "'; drop table lists; --", '$1', '%s%n', '😀', '𝄞', 'ключ', 'e\u0301', '\u007f\u001b',
];

/** Values meant to break COPY text or JSON: runs of backslashes, markers, every kind of line end. */
const HOSTILE_VALUES = [
  ...Array.from({ length: 8 }, (_, i) => '\\'.repeat(i + 1)),
  '\\.', '\\.\n', '\n\\.\n', '\r\\.\r', '\\N', 'NULL', '\\\\N', '\\t\\n\\r', 'a\tb', '\t', '\r', '\r\n', '\n', '\n\r',
  '"', '""', '"\\"', '\\"', '\u2028', '\u2029', 'x\u2028\u2029y', '\\u0000', '\\ud800', '{"a":"\\\\"}', '\u007f\u001b[31m',
  '\ufeffbom', '\ufffe\uffff', '\u{10ffff}', '😀\\😀', '', ' ', "E'\\\\x00'", '$$;$$', 'tab\tand\\tescape',
];

const LINE_ENDS: Record<TextEncoding, string> = { 'utf-8': '\n', 'utf-8-bom': '\r\n', 'utf-16le': '\r', 'utf-16be': '\r\n' };

describe('hostile header names and values', () => {
  for (const encoding of ['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be'] as const) {
    it(`stores them byte-exact from a ${encoding} file, under unique safe keys`, async () => {
      const end = LINE_ENDS[encoding];
      const header = ['label', ...HOSTILE_NAMES, 'x\u0000y'].map(field).join(',');
      const rows = HOSTILE_VALUES.map((value, i) => [field(`row ${i + 1}`), ...HOSTILE_NAMES.map(() => field(value)), field(`a\u0000${value}`)].join(','));
      const { result } = await importBytes(encodeText([header, ...rows].join(end) + end, encoding));

      const names = ['label', ...HOSTILE_NAMES, 'xy'];
      const columns = await readColumns(db.pool, result.listId);
      for (const [i, name] of names.entries()) expect(columns[i]?.name, `column ${i + 1}`).toBe(name);
      expect(columns).toHaveLength(names.length);
      const keys = columns.map((c) => c.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) expect(isKeySlug(key), `key ${JSON.stringify(key)}`).toBe(true);
      expect(result.nulCharactersRemoved).toBe(1 + HOSTILE_VALUES.length);

      const stored = await readRows(db.pool, result.listId);
      expect(stored).toHaveLength(HOSTILE_VALUES.length);
      for (const [i, value] of HOSTILE_VALUES.entries()) {
        const expected = Object.fromEntries(keys.map((key, j) => [key, j === 0 ? `row ${i + 1}` : j === keys.length - 1 ? `a${value}` : value]));
        expect(stored[i]!.data, `row ${i + 1}: ${JSON.stringify(value)}`).toEqual(expected);
        // What PostgreSQL itself holds, read as text: the same characters.
        expect(stored[i]!.text).toEqual(expected);
      }
    });
  }

  it('stores a tab-delimited file whose quoted values and names hold tabs and COPY markers', async () => {
    const file = `${field('a\tb')}\t${field('\\.')}\n${field('\\N\t\\.')}\t${field('\t\\\t')}\n`;
    const { result } = await importBytes(Buffer.from(file, 'utf8'), { csv: { delimiter: '\t' } });
    expect(result.columns.map((c) => c.name)).toEqual(['a\tb', '\\.']);
    const [row] = await readRows(db.pool, result.listId);
    expect(Object.values(row!.data)).toEqual(['\\N\t\\.', '\t\\\t']);
  });
});

describe('hostile JSON in a json column', () => {
  const HOSTILE_JSON = [
    '{"\\\\.":"\\\\N","tab\\tkey":"a\\\\\\\\b","\\u2028":"\\u2029","__proto__":{"polluted":true},"constructor":{"prototype":1},"":"empty key","\\"":"q"}',
    '[\t1,\r\n2 ,\n"\\\\."\t]',
    '"a JSON string holding \\\\N and \\t"',
    '{"nested":{"deep":[[["\\\\u0000 as text","\\\\ud800 as text"]]]}}',
    '{"big":123456789012345678901234567890,"small":1e-300,"neg":-0.0,"exp":1E+5}',
    '["\\ud83d\\ude00","\\u00e9","\\/"]',
    `[${'1'.repeat(131_072)},1e131071,1e-16383]`,
    `${'['.repeat(1_000)}${']'.repeat(1_000)}`,
  ];

  it('stores each value as the JSON it is, keys included, without touching any prototype', async () => {
    const file = `label,payload\n${HOSTILE_JSON.map((json, i) => `${i + 1},${field(json)}`).join('\n')}\n`;
    const { result } = await importBytes(Buffer.from(file, 'utf8'), { columns: [{ name: 'payload', type: 'json' }] });
    expect(result.rows).toBe(HOSTILE_JSON.length);
    for (const [i, json] of HOSTILE_JSON.entries()) {
      const { rows } = await db.pool.query<{ same: boolean }>(
        `select data->'payload' = $2::jsonb as same from list_rows where list_id = $1 and row_number = $3`,
        [result.listId, json, i + 1],
      );
      expect(rows[0]?.same, json.slice(0, 80)).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const UNSTORABLE: [string, string][] = [
    ['a \\u0000 escape', '{"a":"\\u0000"}'],
    ['an unpaired high surrogate escape', '["x\\ud800"]'],
    ['an unpaired low surrogate escape', '["\\udc00x"]'],
    ['a number that overflows PostgreSQL numeric', '[1e131072]'],
    ['a number with more decimals than numeric keeps', '{"n":-1e-999999}'],
    ['an integer of 131,073 digits', `[${'9'.repeat(131_073)}]`],
    ['nesting 20,000 levels deep', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
  ];

  for (const [label, json] of UNSTORABLE) {
    it(`fails a declared json value with ${label} as JSON_PARSE_ERROR naming the row and column, not as INTERNAL`, async () => {
      const err = await importFailure(Buffer.from(`id,payload\n1,[]\n2,${field(json)}\n`, 'utf8'), {
        columns: [{ name: 'payload', type: 'json' }],
      });
      expect(err.code).toBe('JSON_PARSE_ERROR');
      expect(err.problems).toMatchObject([{ row: 2, line: 3, column: 'payload', code: 'JSON_PARSE_ERROR' }]);
    });

    it(`imports an inferred json column as text when one value has ${label}`, async () => {
      const { result } = await importBytes(Buffer.from(`id,payload\n1,[]\n2,${field(json)}\n`, 'utf8'));
      expect(result.columns.map((c) => c.type)).toEqual(['string', 'string']);
      const rows = await readRows(db.pool, result.listId);
      expect(rows.map((r) => r.data['payload'])).toEqual(['[]', json]);
    });
  }

  it('leaves an unstorable declared json value out with invalidRows skip, keeping the other rows', async () => {
    const { result } = await importBytes(Buffer.from('id,payload\n1,[1]\n2,[1e999999]\n3,{}\n', 'utf8'), {
      columns: [{ name: 'payload', type: 'json' }],
      invalidRows: 'skip',
    });
    expect(result).toMatchObject({ rows: 2, skippedRows: 1, problems: [{ row: 2, column: 'payload', code: 'JSON_PARSE_ERROR' }] });
    expect((await readRows(db.pool, result.listId)).map((r) => r.rowNumber)).toEqual([1, 3]);
  });
});

describe('broken UTF-16 (unpaired surrogates)', () => {
  const BROKEN: [string, string][] = [
    ['a high surrogate inside a value', 'a,b\n1,x\ud800y\n'],
    ['a low surrogate inside a value', 'a,b\n1,x\udc00y\n'],
    ['a reversed pair', 'a,b\n1,\ude00\ud83d\n'],
    ['a high surrogate in a header name', 'a\ud83d,b\n1,2\n'],
    ['a high surrogate as the last code unit of the file', 'a,b\n1,2\ud800'],
    ['two high surrogates in a row', 'a,b\n1,\ud800\ud800\udc00\n'],
  ];

  for (const [label, text] of BROKEN) {
    for (const encoding of ['utf-16le', 'utf-16be'] as const) {
      it(`fails ${label} in a ${encoding} file as ENCODING_ERROR, storing nothing`, async () => {
        const err = await importFailure(encodeText(text, encoding));
        expect(err.code).toBe('ENCODING_ERROR');
        expect(err.message).toMatch(/line \d+ has a broken UTF-16 character/);
      });
    }
  }

  it('names the line of the unpaired surrogate', async () => {
    const err = await importFailure(encodeText('a,b\n1,2\n3,4\n5,\udc00\n', 'utf-16le'));
    expect(err.message).toContain('line 4');
  });

  const DECLARED: [label: string, encoding: string, bytes: Buffer][] = [
    ['utf-16le (no BOM)', 'utf-16le', Buffer.from('a,b\n1,x\ud800\n', 'utf16le')],
    ['ucs2', 'ucs2', Buffer.from('a,b\n1,x\ud800\n', 'utf16le')],
    ['UTF-16 (with a BOM)', 'UTF-16', encodeText('a,b\n1,x\ud800\n', 'utf-16le')],
    ['utf7', 'utf7', Buffer.from('a,b\n1,x+2AA-\n', 'ascii')],
    ['cesu8', 'cesu8', Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0xed, 0xa0, 0x80, 0x0a])],
  ];
  for (const [label, encoding, bytes] of DECLARED) {
    it(`fails an unpaired surrogate decoded from a file declared ${label} as ENCODING_ERROR, never storing U+FFFD`, async () => {
      const err = await importFailure(bytes, { csv: { encoding } });
      expect(err.code).toBe('ENCODING_ERROR');
    });
  }

  it('fails a surrogate encoded in a UTF-8 file (CESU-style bytes) as ENCODING_ERROR', async () => {
    const err = await importFailure(Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]));
    expect(err.code).toBe('ENCODING_ERROR');
  });

  it('imports a valid surrogate pair wherever the chunks of the file cut it', async () => {
    for (const encoding of ['utf-16le', 'utf-16be'] as const) {
      const bytes = encodeText('a,b\n1,x😀y\n', encoding);
      const at = bytes.indexOf(encoding === 'utf-16le' ? Buffer.from([0x3d, 0xd8]) : Buffer.from([0xd8, 0x3d]));
      for (let cut = at - 1; cut <= at + 4; cut++) {
        const { result } = await importBytes(bytes, {}, [cut]);
        const [row] = await readRows(db.pool, result.listId);
        expect(row!.data, `${encoding} cut at byte ${cut}`).toEqual({ a: '1', b: 'x😀y' });
      }
    }
  });

  it('leaves no list behind for the job of a broken file', async () => {
    const jobId = `hostile-${randomUUID()}`;
    const job = ImportRequest.parse({ jobId, source: { key: 'hostile.csv' }, list: { name: 'hostile' } });
    const source = bufferSource(encodeText('a\n\ud800\n', 'utf-16le'), [], 'hostile.csv');
    await expect(importCsv(job, { db: db.db, pool: db.pool, source, limits: TEST_LIMITS, log: silentLogger })).rejects.toMatchObject({
      code: 'ENCODING_ERROR',
    });
    expect(await readList(db.pool, jobId)).toBeUndefined();
  });
});
