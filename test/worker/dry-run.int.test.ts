import { describe, expect, it } from 'vitest';
import { countAll, readList } from '../helpers/read-list.js';
import { TEST_LIMITS, importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** Dry runs (DESIGN §5.3): the same pipeline and checks, nothing written to PostgreSQL. */

const csv = (lines: string[]) => `${lines.join('\n')}\n`;
const numbered = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => row(i + 1));

describe('dry runs', () => {
  const fixture = useEngineFixture();

  it('reads the whole file, reports the rows it would write, and leaves no row in lists, list_columns or list_rows', async () => {
    const before = await countAll(fixture.db.pool);
    const path = fixture.temp.write(csv(['id,payload', ...numbered(30_000, (i) => `${i},"{""n"":${i}}"`)]));
    const job = importJob({ dryRun: true });
    const result = await importFile(fixture.db, path, job);
    expect(result).toMatchObject({ dryRun: true, rows: 30_000, skippedRows: 0, alreadyImported: false, encoding: 'utf-8', delimiter: ',' });
    expect(result.columns).toEqual([{ key: 'id', name: 'id', type: 'string' }, { key: 'payload', name: 'payload', type: 'json' }]);
    expect(result).not.toHaveProperty('listId');
    expect(await countAll(fixture.db.pool)).toEqual(before);
    expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
  });

  it('fails a bad file with the same error and problems as a real import, and writes nothing', async () => {
    const rows = numbered(400, (i) => (i % 7 === 0 ? `${i},"{bad",extra` : `${i},"{""n"":${i}}"`));
    const path = fixture.temp.write(csv(['id,payload', ...rows]));
    const plan = { columns: [{ name: 'payload', type: 'json' as const }] };
    const before = await countAll(fixture.db.pool);
    const dry = await importError(importFile(fixture.db, path, importJob({ ...plan, dryRun: true })));
    expect(await countAll(fixture.db.pool)).toEqual(before);
    const real = await importError(importFile(fixture.db, path, importJob(plan)));
    expect(dry.toJSON()).toEqual(real.toJSON());
    expect(dry.code).toBe('COLUMN_COUNT');
    expect(dry.problemCount).toBe(57);
    expect(await countAll(fixture.db.pool)).toEqual(before);
  });

  it('skips invalid rows as a real import would, with the same problems and counts', async () => {
    const path = fixture.temp.write(csv(['id,email', '1,a@x.org', '2,', '3,c@x.org', '4,d,extra']));
    const plan = { columns: [{ name: 'email', notEmpty: true }], invalidRows: 'skip' as const };
    const dry = await importFile(fixture.db, path, importJob({ ...plan, dryRun: true }));
    const real = await importFile(fixture.db, path, importJob(plan));
    const { listId, ...realRest } = real;
    expect(listId).toBeTypeOf('string');
    expect(dry).toEqual({ ...realRest, dryRun: true });
    expect(dry).toMatchObject({ rows: 2, skippedRows: 2, problemCount: 2 });
  });

  it('runs for a job that was already imported, instead of answering with the earlier list', async () => {
    const path = fixture.temp.write(csv(['a', '1', '2']));
    const job = importJob();
    await importFile(fixture.db, path, job);
    const dry = await importFile(fixture.db, path, { ...job, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, rows: 2, alreadyImported: false });
  });

  it('applies the limits: MAX_ROWS fails a dry run too', async () => {
    const path = fixture.temp.write(csv(['a', ...numbered(20, String)]));
    const error = await importError(importFile(fixture.db, path, importJob({ dryRun: true }), {
      limits: { ...TEST_LIMITS, MAX_ROWS: 10 },
    }));
    expect(error.code).toBe('TOO_MANY_ROWS');
  });
});
