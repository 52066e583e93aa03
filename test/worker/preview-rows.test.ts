import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from '../../src/shared/contract.js';
import { PREVIEW_ROWS, PREVIEW_SAMPLE_BYTES, PreviewRows, type RowsPreview } from '../../src/worker/import-csv/preview-rows.js';

function preview(columns: ColumnInfo[], rows: string[][]): RowsPreview[] {
  const sent: RowsPreview[] = [];
  const rowsPreview = new PreviewRows((p) => sent.push(p));
  const settled = columns.map((info, source) => ({ info, source, parser: undefined, check: undefined, notEmpty: false, unique: false, inferred: false }));
  rowsPreview.start(columns.map((c) => c.name), columns, settled);
  for (const row of rows) rowsPreview.offer(row);
  rowsPreview.end();
  return sent;
}

const columnsOf = (count: number): ColumnInfo[] => Array.from({ length: count }, (_, i) => ({ key: `c${i}`, name: `C${i}`, type: 'string' }));

describe('the preview rows', () => {
  it('shows a long cell as an excerpt that says how much was cut, and a json cell as stored', () => {
    const columns: ColumnInfo[] = [{ key: 'text', name: 'Text', type: 'string' }, { key: 'tags', name: 'Tags', type: 'json' }];
    const [sent] = preview(columns, [['é'.repeat(5_000), '{"a":[1,2]}']]);
    expect(sent!.sampleRows).toEqual([{ text: `${'é'.repeat(200)}… (4,800 more characters)`, tags: { a: [1, 2] } }]);
    expect(sent!.sampleRowsCut).toBeUndefined();
  });

  it('shows fewer rows of a very wide file, within its bound, and says so', () => {
    const columns = columnsOf(50);
    const rows = Array.from({ length: PREVIEW_ROWS }, () => columns.map(() => 'w'.repeat(150)));
    const [sent] = preview(columns, rows);
    expect(sent!.sampleRows.length).toBeGreaterThan(0);
    expect(sent!.sampleRows.length).toBeLessThan(PREVIEW_ROWS);
    expect(Buffer.byteLength(JSON.stringify(sent!.sampleRows))).toBeLessThanOrEqual(PREVIEW_SAMPLE_BYTES + 2);
    expect(sent!.sampleRowsCut).toBe(true);
  });

  it('shows rows keyed __proto__, constructor and prototype exactly as they are stored', () => {
    const columns: ColumnInfo[] = ['__proto__', 'constructor', 'prototype'].map((key) => ({ key, name: key, type: 'string' }));
    const [sent] = preview(columns, [['p', 'c', 't']]);
    expect(JSON.stringify(sent!.sampleRows)).toBe('[{"__proto__":"p","constructor":"c","prototype":"t"}]');
  });
});
