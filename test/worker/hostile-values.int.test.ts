import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../src/shared/contract.js';
import { readColumns, readRows, type StoredRow } from '../helpers/read-list.js';
import { importFile, importJob } from '../helpers/run-import.js';
import { createTempDir } from '../helpers/temp-csv.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/**
 * Values that break naive COPY or JSON escaping (DESIGN §8: "COPY escaping is tested on hostile
 * values"). Each must come back exactly as written in the file; only NUL is removed, and counted.
 */

const HOSTILE: [label: string, value: string][] = [
  ['a backslash', 'back\\slash'],
  ['two backslashes', '\\\\'],
  ['\\N, COPY\'s NULL marker', '\\N'],
  ['\\., COPY\'s end-of-data marker', '\\.'],
  ['a line that is only \\. inside a value', 'first\n\\.\nlast'],
  ['backslash escapes as text', '\\t \\n \\r \\u0000 \\x41'],
  ['a tab', 'tab\there'],
  ['a CR', 'cr\rhere'],
  ['an LF', 'lf\nhere'],
  ['a CRLF', 'crlf\r\nhere'],
  ['quotes', 'say "hi" and \'bye\''],
  ['JSON-looking text', '{"not": "parsed"'],
  ['emoji', '😀🦆👩‍👩‍👧'],
  ['4-byte UTF-8', '𝄞 𠜎 \u{10FFFD}'],
  ['U+2028 and U+2029', 'line\u2028sep\u2029para'],
  ['a combining accent, unnormalised', 'e\u0301 vs é'],
  ['bidi controls', '\u202aabc\u202c\u200e'],
  ['leading zeros', '00123'],
  ['a 20-digit id', '12345678901234567890'],
  ['a phone number', '+1 (555) 010-0199'],
  ['surrounding spaces', '  padded  '],
  ['an empty cell', ''],
  ['a delimiter', 'a,b;c|d'],
  ['control characters', '\u0001\u0007\u001b[0m\u007f'],
];

/** A CSV field, always quoted so line breaks and delimiters stay inside it. */
const field = (value: string) => `"${value.replaceAll('"', '""')}"`;

const JSON_VALUE = '{"path":"C:\\\\temp\\\\new","escapes":"\\"quoted\\" \\\\u0041","big":12345678901234567890,"list":[1.50,0.10,"x"]}';

describe('hostile values', () => {
  let db: TestDatabase;
  let result: ImportResult;
  let rows: StoredRow[];
  const temp = createTempDir();

  beforeAll(async () => {
    db = await createTestDatabase();
    const header = ['label', 'we"ird\\name', '\\N', 'payload'].map(field).join(',');
    const lines = HOSTILE.map(([label, value]) => [field(label), field(value), field(value), ''].join(','));
    // NULs are dropped (jsonb cannot hold them) wherever they are, quoted or not.
    lines.push(['"NUL"', 'nul\0here', field('\0edge\0'), ''].join(','));
    lines.push(['"json"', '""', '""', field(JSON_VALUE)].join(','));
    // A physical line that is only \. (COPY's end marker), unquoted: a one-cell short row.
    lines.push('\\.');
    const path = temp.write(`${header}\r\n${lines.join('\r\n')}\r\n`);
    result = await importFile(db, path, importJob({ columns: [{ name: 'payload', type: 'json' }] }));
    rows = await readRows(db.pool, result.listId);
  });
  afterAll(async () => {
    await db?.drop();
    temp.remove();
  });

  it('imports every row', () => {
    expect(result.rows).toBe(HOSTILE.length + 3);
    expect(rows.map((r) => r.rowNumber)).toEqual(Array.from({ length: HOSTILE.length + 3 }, (_, i) => i + 1));
  });

  it('stores hostile header names exactly and gives them safe keys', async () => {
    const columns = await readColumns(db.pool, result.listId);
    expect(columns.map(({ name, key, type }) => ({ name, key, type }))).toEqual([
      { name: 'label', key: 'label', type: 'string' },
      { name: 'we"ird\\name', key: 'we_ird_name', type: 'string' },
      { name: '\\N', key: 'n', type: 'string' },
      { name: 'payload', key: 'payload', type: 'json' },
    ]);
  });

  for (const [i, [label, value]] of HOSTILE.entries()) {
    it(`gives back ${label} exactly`, () => {
      expect(rows[i]!.data).toEqual({ label, we_ird_name: value, n: value, payload: '' });
    });
  }

  it('removes NUL characters from values and counts each one', () => {
    expect(rows[HOSTILE.length]!.data).toEqual({ label: 'NUL', we_ird_name: 'nulhere', n: 'edge', payload: '' });
    expect(result.nulCharactersRemoved).toBe(3);
  });

  it('stores a declared json column as the parsed JSON, backslashes and big numbers intact', async () => {
    const row = HOSTILE.length + 2;
    const { rows: [stored] } = await db.pool.query<{ same: boolean; path: string; escapes: string; big: string; list: string; kind: string }>(
      `select data->'payload' = $2::jsonb as same,
              data->'payload'->>'path' as path,
              data->'payload'->>'escapes' as escapes,
              data->'payload'->>'big' as big,
              data->'payload'->>'list' as list,
              jsonb_typeof(data->'payload') as kind
         from list_rows where list_id = $1 and row_number = $3`,
      [result.listId, JSON_VALUE, row],
    );
    expect(stored).toEqual({
      same: true,
      path: 'C:\\temp\\new',
      escapes: '"quoted" \\u0041',
      big: '12345678901234567890',
      // jsonb keeps a number's written scale, so 1.50 stays 1.50.
      list: '[1.50, 0.10, "x"]',
      kind: 'object',
    });
  });

  it('reads a line that is only \\. as a value, not as the end of the data', () => {
    expect(rows.at(-1)!.data).toEqual({ label: '\\.', we_ird_name: '', n: '', payload: '' });
  });
});
