import { describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../src/shared/contract.js';
import { readRows } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** The preview (DESIGN §3): what was detected and planned, and the first rows as they will be stored. */

describe('the preview', () => {
  const fixture = useEngineFixture();

  it('comes once the header and the type sample are read, before any progress, with the first 10 rows as stored', async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => `${i + 1};Zoë ${i + 1};"{""n"": ${i + 1}}";x`);
    const path = fixture.temp.write(Buffer.from(`\ufeffID;Name;Data;Other\n${rows.join('\n')}\n`, 'utf8'));
    const events: (ImportPreview | 'progress')[] = [];
    const result = await importFile(fixture.db, path, importJob({
      columns: [{ name: 'id', key: 'n' }, { name: 'name' }, { name: 'data' }], unmappedColumns: 'drop',
    }), { onPreview: (p) => events.push(p), onProgress: () => events.push('progress'), progressEvery: 1000 });
    const preview = events[0] as ImportPreview;
    expect(events.filter((e) => e !== 'progress')).toHaveLength(1);
    expect(preview).toMatchObject({ encoding: 'utf-8', encodingConfidence: 1, delimiter: ';', header: ['ID', 'Name', 'Data', 'Other'] });
    expect(preview.columns.map(({ suggested: _, ...column }) => column)).toEqual(result.columns);
    // Every undeclared column says what its sample suggests (DESIGN §5.8), applied or not.
    expect(preview.columns).toEqual([
      { key: 'n', name: 'ID', type: 'string', suggested: { type: 'integer' } },
      { key: 'name', name: 'Name', type: 'string', suggested: { type: 'string' } },
      { key: 'data', name: 'Data', type: 'json', suggested: { type: 'json' } },
    ]);
    const stored = await readRows(fixture.db.pool, result.listId, Array.from({ length: 10 }, (_, i) => i + 1));
    expect(preview.sampleRows).toEqual(stored.map((r) => r.data));
    expect(preview.sampleRows[0]).toEqual({ n: '1', name: 'Zoë 1', data: { n: 1 } });
  });

  it('shows only rows that will be stored, and comes for a failing import too', async () => {
    const path = fixture.temp.write('a,b\n1,\n2,x\n3,y,z\n4,w\n');
    let preview: ImportPreview | undefined;
    const error = await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'b', notEmpty: true }] }), { onPreview: (p) => (preview = p) }));
    expect(error.code).toBe('INVALID_ROWS');
    expect(preview?.sampleRows).toEqual([{ a: '2', b: 'x' }, { a: '4', b: 'w' }]);
  });

  it('names positional columns as the header of a file without one', async () => {
    const path = fixture.temp.write('1\t2\n3\t4\n');
    let preview: ImportPreview | undefined;
    await importFile(fixture.db, path, importJob({ csv: { header: false } }), { onPreview: (p) => (preview = p) });
    expect(preview).toMatchObject({ delimiter: '\t', header: ['column_1', 'column_2'], sampleRows: [{ column_1: '1', column_2: '2' }, { column_1: '3', column_2: '4' }] });
  });

  it('is not given when the plan fails at the header', async () => {
    const path = fixture.temp.write('a\n1\n');
    let previews = 0;
    await importError(importFile(fixture.db, path, importJob({ columns: [{ name: 'z', required: true }] }), { onPreview: () => previews++ }));
    expect(previews).toBe(0);
  });
});
