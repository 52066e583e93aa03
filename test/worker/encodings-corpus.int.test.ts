import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SAMPLE_BYTES, detectEncoding } from '../../src/worker/import-csv/encoding/detect-encoding.js';
import { importFile } from '../helpers/run-import.js';
import { readColumns, readRows } from '../helpers/read-list.js';
import { describeSharedCorpus } from '../helpers/shared-corpus.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

interface Expected {
  encoding: string;
  size: string;
  bom: boolean;
  rows: number;
  header: string[];
  row1: string[];
  row2: string[];
  last: string[];
}

/** What this build reads right of the 111 files, measured (docs/ENCODINGS.md). */
const READ_RIGHT = 111;

/** The alphabet most letters of a text belong to. */
function mainScript(text: string): string {
  const counts = new Map<string, number>();
  for (const [script, re] of SCRIPTS) counts.set(script, text.match(re)?.length ?? 0);
  return [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Hebrew', 'Arabic', 'Thai', 'Han', 'Hiragana', 'Katakana', 'Hangul'].map(
  (s) => [s, new RegExp(`[\\p{Script=${s}}--[\\x00-\\x7f]]`, 'gv')] as const,
);

describeSharedCorpus('encoding detection over the shared encodings corpus', ['encodings'], (corpus) => {
  const dir = join(corpus, 'encodings');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;
  const names = Object.keys(expected);

  it(`reads ${READ_RIGHT} of the ${names.length} files exactly as their true encoding does, from the first 64 KiB`, async () => {
    const misread: string[] = [];
    const otherScript: string[] = [];
    for (const name of names) {
      const e = expected[name]!;
      const bytes = readFileSync(join(dir, 'files', name));
      const choice = await detectEncoding(bytes.subarray(0, SAMPLE_BYTES), { wholeFile: bytes.length <= SAMPLE_BYTES });
      const truth = iconv.decode(bytes, e.encoding);
      const read = iconv.decode(bytes.subarray(choice.bomLength), choice.encoding === 'utf-8' ? 'utf8' : choice.encoding);
      if (read.replace(/^\ufeff/, '') !== truth.replace(/^\ufeff/, '')) misread.push(`${name}: ${choice.encoding}`);
      if (mainScript(read) !== mainScript(truth)) otherScript.push(`${name}: ${mainScript(read)}`);
      expect(choice.confidence).toBeGreaterThan(0);
      expect(choice.confidence).toBeLessThanOrEqual(1);
    }
    expect(otherScript).toEqual([]);
    expect(names.length - misread.length, misread.join('\n')).toBe(READ_RIGHT);
  });

  describeImports(dir, expected);
});

/**
 * One file per encoding through the whole engine into PostgreSQL: its header and rows 1, 2 and
 * the last stored exactly as the text that was encoded (what check.py measures for all of them).
 */
function describeImports(dir: string, expected: Record<string, Expected>): void {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const firstPerEncoding = new Map<string, string>();
  for (const [name, e] of Object.entries(expected)) {
    const key = `${e.encoding}${e.bom ? '+bom' : ''}`;
    if (!firstPerEncoding.has(key)) firstPerEncoding.set(key, name);
  }
  it.each([...firstPerEncoding])('stores %s text exactly (%s)', async (_encoding, name) => {
    const e = expected[name]!;
    const result = await importFile(db, join(dir, 'files', name));
    expect(result.rows).toBe(e.rows);
    const columns = await readColumns(db.pool, result.listId);
    expect(columns.map((c) => c.name)).toEqual(e.header);
    const rows = await readRows(db.pool, result.listId, [1, 2, e.rows]);
    const cells = (i: number) => columns.map((c) => rows[i]!.data[c.key]);
    expect([cells(0), cells(1), cells(2)]).toEqual([e.row1, e.row2, e.last]);
  });
}
