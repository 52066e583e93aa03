import { describe, expect, it } from 'vitest';
import type { StatusDocument, StatusProblem } from '../../src/shared/contract.js';
import { boundStatusDocument, STATUS_DOCUMENT_MAX_BYTES } from '../../src/shared/status/bounded-document.js';
import { excerpt } from '../../src/shared/status/excerpt.js';

const bytes = (doc: StatusDocument) => Buffer.byteLength(JSON.stringify(doc));
const at = '2026-12-05T12:00:00.000Z';

function doc(extra: Partial<StatusDocument> = {}): StatusDocument {
  return { jobId: 'imp_1', state: 'failed', attempt: 1, progress: { rows: 5, bytes: 10, totalBytes: 10, percent: 100 }, queuedAt: at, updatedAt: at, ...extra };
}

/** A file as wide as MAX_COLUMNS allows, with long names, and a hundred problems with long values. */
function wideFailure(): StatusDocument {
  const columns = Array.from({ length: 1_000 }, (_, i) => ({ key: `column_${i}_${'k'.repeat(150)}`, name: `Column ${i} ${'n'.repeat(300)}`, type: 'string' as const }));
  const problems: StatusProblem[] = Array.from({ length: 100 }, (_, i) => ({ row: i + 1, line: i + 2, column: columns[0]!.name, code: 'EMPTY_VALUE', message: `row ${i + 1}: ${'m'.repeat(300)}`, value: 'v'.repeat(200) }));
  return doc({
    preview: {
      fileType: 'csv', encoding: 'utf-8', encodingConfidence: 1, delimiter: ',', header: columns.map((c) => c.name), columns,
      sampleRows: [Object.fromEntries(columns.map((c) => [c.key, 'x'.repeat(200)]))],
    },
    error: { code: 'INVALID_ROWS', message: 'the file has invalid rows', retryable: false, problems, problemCount: 4_321 },
  });
}

describe('excerpt', () => {
  it('keeps text that fits, and cuts longer text saying how much was left out', () => {
    expect(excerpt('short', 10)).toBe('short');
    expect(excerpt('a'.repeat(1_000_200), 200)).toBe(`${'a'.repeat(200)}… (1,000,000 more characters)`);
  });

  it('counts what an earlier cut left out when it cuts an excerpt again', () => {
    expect(excerpt(excerpt('a'.repeat(1_000), 200), 40)).toBe(`${'a'.repeat(40)}… (960 more characters)`);
    expect(excerpt(excerpt('a'.repeat(1_000), 200), 300)).toBe(`${'a'.repeat(200)}… (800 more characters)`);
  });

  it('never leaves half of a surrogate pair', () => {
    const cut = excerpt(`${'a'.repeat(199)}😀${'b'.repeat(50)}`, 200);
    expect(cut).toBe(`${'a'.repeat(199)}… (52 more characters)`);
  });
});

describe('boundStatusDocument', () => {
  it('returns a document that fits as it is, naming nothing shortened', () => {
    const small = doc({ error: { code: 'FILE_NOT_FOUND', message: 'gone', retryable: false } });
    expect(boundStatusDocument(small)).toBe(small);
  });

  it('brings a failure of the widest file with a hundred long problems under the bound, saying what it shortened', () => {
    const wide = wideFailure();
    expect(bytes(wide)).toBeGreaterThan(1_000_000);
    const bounded = boundStatusDocument(wide);
    expect(bytes(bounded)).toBeLessThanOrEqual(STATUS_DOCUMENT_MAX_BYTES);
    expect(bounded.shortened).toEqual(['texts', 'preview.sampleRows', 'problems', 'preview']);
    expect(bounded.preview).toBeUndefined();
    expect(bounded.error).toMatchObject({ code: 'INVALID_ROWS', problemCount: 4_321 });
    expect(bounded.error?.problems).toHaveLength(10);
    expect(bounded.error?.problems?.[0]?.message).toBe(`row 1: ${'m'.repeat(193)}… (107 more characters)`);
  });

  it('brings a success of the widest file under the bound, listing its first 100 columns when nothing else will do', () => {
    const wide = wideFailure();
    const result = { listId: 'l1', rows: 5, columns: wide.preview!.columns, skippedRows: 0, alreadyImported: false, nulCharactersRemoved: 0 };
    const bounded = boundStatusDocument({ ...wide, state: 'succeeded', error: undefined, result });
    expect(bytes(bounded)).toBeLessThanOrEqual(STATUS_DOCUMENT_MAX_BYTES);
    expect(bounded.shortened).toEqual(['texts', 'preview.sampleRows', 'preview', 'result.columns']);
    expect(bounded.result?.columns).toHaveLength(100);
    expect(bounded.result?.rows).toBe(5);
    // Names are cut, saying so; keys, which the app looks columns up by, never.
    expect(bounded.result?.columns[7]).toEqual({ key: wide.preview!.columns[7]!.key, name: `Column 7 ${'n'.repeat(31)}… (269 more characters)`, type: 'string' });
  });

  it('keeps a cell keyed __proto__ as a key of its own when it cuts texts', () => {
    const row = JSON.parse(`{"__proto__":"${'p'.repeat(300)}","constructor":"c"}`) as Record<string, unknown>;
    const preview = { fileType: 'csv' as const, encoding: 'utf-8', encodingConfidence: 1, delimiter: ',', header: ['h'], columns: [], sampleRows: [row] };
    const bounded = boundStatusDocument(doc({ preview, error: { code: 'X', message: 'y'.repeat(70_000), retryable: false } }));
    expect(bounded.shortened).toEqual(['texts']);
    expect(Object.entries(bounded.preview!.sampleRows[0]!)).toEqual([
      ['__proto__', `${'p'.repeat(200)}… (100 more characters)`],
      ['constructor', 'c'],
    ]);
  });
});
