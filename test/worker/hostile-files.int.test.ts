import { describe, expect, it } from 'vitest';
import type { ImportLimits } from '../../src/shared/config.js';
import type { ImportRequest } from '../../src/shared/contract.js';
import { ImportError } from '../../src/shared/errors.js';
import { importCsv } from '../../src/worker/import-csv/import-csv.js';
import type { ImportSource } from '../../src/worker/import-csv/sources/source.js';
import { pacedSource } from '../helpers/buffer-source.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { recordFigures } from '../helpers/figures.js';
import { watchProcess } from '../helpers/process-watch.js';
import { countAll, readColumns, readList, readRows } from '../helpers/read-list.js';
import { TEST_LIMITS, importError, importJob } from '../helpers/run-import.js';
import { silentLogger } from '../helpers/test-db.js';

/**
 * Files built to hurt the worker (issue 9, "Hostile files"; DESIGN §5): each must end in a result
 * or a typed error, without blocking the event loop for a second or holding more than a small
 * constant of memory, and never with more passes over the file than one restart.
 */

const MiB = 1024 * 1024;
/** Figures for docs/RELIABILITY.md ("Hostile files"), in test/reliability/.results/. */
const FIGURES = 'hostile-files';
const numbered = <T>(n: number, row: (i: number) => T) => Array.from({ length: n }, (_, i) => row(i + 1));
const csv = (lines: string[]) => `${lines.join('\n')}\n`;

describe('hostile files', () => {
  const fixture = useEngineFixture();

  /** The engine over bytes in memory, delivered in 64 KiB chunks as a download would; counts how often the file is opened. */
  function run(bytes: Buffer | string, job: ImportRequest = importJob(), limits: ImportLimits = TEST_LIMITS) {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const cuts = numbered(Math.floor(data.length / (64 * 1024)), (i) => i * 64 * 1024);
    const inner = pacedSource(data, cuts, 'hostile.csv');
    const counted = { opens: 0 };
    const source: ImportSource = {
      name: inner.name,
      open(signal) {
        counted.opens++;
        return inner.open(signal);
      },
    };
    const result = importCsv(job, { db: fixture.db.db, pool: fixture.db.pool, source, limits, log: silentLogger });
    return { result, counted };
  }

  describe('header names', () => {
    it('refuses a name of x, 60,000 spaces and y with NO_HEADER naming its column and length, without blocking the loop', async () => {
      const job = importJob();
      const watched = await watchProcess(() => run(csv([`id,x${' '.repeat(60_000)}y`, '1,2']), job).result);
      recordFigures(FIGURES, 'header name of x, 60,000 spaces, y', { maxBlockMs: Math.round(watched.maxBlockMs) });
      expect(watched.maxBlockMs).toBeLessThan(1_000);
      expect(watched.outcome.ok).toBe(false);
      const err = (watched.outcome as { error: unknown }).error as ImportError;
      expect(err).toBeInstanceOf(ImportError);
      expect(err.code).toBe('NO_HEADER');
      expect(err.message).toMatch(/column 2 of the header row \(line 1\) is 60,002 characters long; a column name may have at most 1,000/);
      expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
    });

    it('keeps a name of exactly 1,000 characters, counting characters, not UTF-16 units', async () => {
      const name = '😀'.repeat(1_000);
      const { result } = run(csv([`id,${name}`, '1,2']));
      const imported = await result;
      expect(imported.columns.map((c) => c.name)).toEqual(['id', name]);
    });
  });

  describe('record size', () => {
    const limits = { ...TEST_LIMITS, MAX_RECORD_BYTES: MiB };

    it('fails a 5 MiB record of commas under a 1 MiB limit with RECORD_TOO_LARGE naming its line', async () => {
      const job = importJob({ csv: { delimiter: ',' } });
      const before = await countAll(fixture.db.pool);
      const err = await importError(run(csv(['a,b', '1,2', ','.repeat(5 * MiB), '3,4']), job, limits).result);
      expect(err.code).toBe('RECORD_TOO_LARGE');
      expect(err.message).toMatch(/record starting on line 3 is larger than the limit/);
      expect(await countAll(fixture.db.pool)).toEqual(before);
    });

    it('counts delimiters and empty cells in a record that ends inside one chunk', async () => {
      const err = await importError(
        run(csv(['a,b', '1,2', `x${','.repeat(3_000)}`, '3,4']), importJob({ csv: { delimiter: ',' } }), {
          ...TEST_LIMITS,
          MAX_RECORD_BYTES: 2_048,
        }).result,
      );
      expect(err.code).toBe('RECORD_TOO_LARGE');
      expect(err.message).toMatch(/line 3\b/);
    });

    it.each([
      ['the first record (the header)', `${','.repeat(2 * MiB)}\n1,2\n`, 1],
      ['a record after blank lines', `a,b\n1,2\n\n\r\n${','.repeat(2 * MiB)}\n3,4\n`, 5],
      ['a record after a skipped preamble', `title\n${','.repeat(2 * MiB)}\n1,2\n`, 2],
    ])('counts the delimiters of %s too', async (_, body, line) => {
      const skipRows = body.startsWith('title') ? 1 : 0;
      const err = await importError(run(body, importJob({ csv: { delimiter: ',', skipRows } }), limits).result);
      expect(err.code).toBe('RECORD_TOO_LARGE');
      expect(err.message).toMatch(new RegExp(`line ${line}\\b`));
    });

    it('counts a record after blank lines by its own bytes, not the blank lines before it', async () => {
      const body = `a,b\n1,2\n${'\n'.repeat(5_000)}${'x'.repeat(1_000)},y\n`;
      const { result } = run(body, importJob({ csv: { delimiter: ',' } }), { ...TEST_LIMITS, MAX_RECORD_BYTES: 2_048 });
      expect((await result).rows).toBe(2);
    });

    it('imports 300 rows of 200,000 commas each in bounded memory, its type sample bounded by the bytes of its records', async () => {
      const row = `x${','.repeat(200_000)}`;
      const body = Buffer.from(csv(['a', ...numbered(300, () => row)]), 'utf8');
      const job = importJob({ csv: { delimiter: ',' } });
      // Collections from 8 MiB on, so the figure is what the import held, within 8 MiB.
      const watched = await watchProcess(() => run(body, job, limits).result, 8 * MiB);
      if (!watched.outcome.ok) throw watched.outcome.error;
      recordFigures(FIGURES, '300 rows of 200,000 commas', {
        maxBlockMs: Math.round(watched.maxBlockMs),
        heapHeldMiB: Math.round(watched.heapGrowth / MiB),
      });
      expect(watched.outcome.value.rows).toBe(300);
      expect(watched.maxBlockMs).toBeLessThan(1_000);
      // Holding the rows' cells for the sample took 480 MB of arrays (a 512 MB heap ran out).
      expect(watched.heapGrowth, `live heap +${Math.round(watched.heapGrowth / MiB)} MiB`).toBeLessThan(64 * MiB);
    });
  });

  describe('re-planning inferred json columns', () => {
    it('restarts once, not once per column, when 40 inferred json columns are contradicted after the sample', async () => {
      const width = 40;
      const header = ['id', ...numbered(width, (c) => `doc${c}`)].join(',');
      const rows = numbered(1_200, (r) =>
        [r, ...numbered(width, (c) => (r === 1_000 + 4 * c ? `not json ${c}` : `"{""r"":${r}}"`))].join(','),
      );
      const job = importJob();
      const { result, counted } = run(csv([header, ...rows]), job);
      const imported = await result;
      recordFigures(FIGURES, '40 inferred json columns contradicted', { passes: counted.opens });
      expect(counted.opens).toBe(2);
      expect(imported.rows).toBe(1_200);
      expect(imported.columns.map((c) => c.type)).toEqual(Array(width + 1).fill('string'));
      const [row1004] = await readRows(fixture.db.pool, imported.listId, [1_004]);
      expect(row1004!.data).toMatchObject({ id: '1004', doc1: 'not json 1', doc2: '{"r":1004}' });
      expect((await readList(fixture.db.pool, job.jobId))?.row_count).toBe(1_200);
    });

    it('skips rows with problems once, after the one restart', async () => {
      const rows = numbered(1_100, (r) => (r === 1_050 ? `${r},"not json",extra` : r === 1_060 ? `${r},text,` : `${r},"[${r}]"`));
      const job = importJob({ invalidRows: 'skip' });
      const { result, counted } = run(csv(['id,doc', ...rows]), job);
      const imported = await result;
      expect(counted.opens).toBe(2);
      expect(imported).toMatchObject({ rows: 1_099, skippedRows: 1, problemCount: 1 });
      expect(imported.problems?.[0]).toMatchObject({ row: 1_050, code: 'COLUMN_COUNT' });
      expect(imported.columns.map((c) => c.type)).toEqual(['string', 'string']);
    });

    it('fails without a restart when the pass that found the contradiction also found problems', async () => {
      const rows = numbered(1_100, (r) => (r === 1_050 ? `${r},"not json"` : r === 1_060 ? `${r},"[1]",extra` : `${r},"[${r}]"`));
      const job = importJob();
      const { result, counted } = run(csv(['id,doc', ...rows]), job);
      const err = await importError(result);
      expect(err.code).toBe('COLUMN_COUNT');
      expect(err.problems?.map((p) => p.row)).toEqual([1_060]);
      expect(counted.opens).toBe(1);
    });
  });

  describe('header: false', () => {
    it('takes the width from the widest sampled row, trailing empty cells included', async () => {
      // A rectangular file whose last column is empty in the first 1,000 rows.
      const rows = numbered(1_100, (r) => (r > 1_000 ? `${r},b,c${r}` : `${r},b,`));
      const job = importJob({ csv: { header: false } });
      const { result } = run(csv(rows), job);
      const imported = await result;
      expect(imported.rows).toBe(1_100);
      expect(imported.columns.map((c) => c.key)).toEqual(['column_1', 'column_2', 'column_3']);
      const [first, later] = await readRows(fixture.db.pool, imported.listId, [1, 1_001]);
      expect(first!.data).toEqual({ column_1: '1', column_2: 'b', column_3: '' });
      expect(later!.data).toEqual({ column_1: '1001', column_2: 'b', column_3: 'c1001' });
    });
  });

  describe('json that jsonb would change', () => {
    it('keeps a column string when a sampled object holds a duplicate key, at any depth, and stores the text as written', async () => {
      const duplicate = '{"a":1,"b":{"c":1,"\\u0063":2}}';
      const rows = numbered(20, (r) => (r === 7 ? `${r},"${duplicate.replaceAll('"', '""')}"` : `${r},"{""a"":${r}}"`));
      const { result } = run(csv(['id,doc', ...rows]));
      const imported = await result;
      expect(imported.columns.map((c) => c.type)).toEqual(['string', 'string']);
      const [row7] = await readRows(fixture.db.pool, imported.listId, [7]);
      expect(row7!.data).toEqual({ id: '7', doc: duplicate });
    });

    it('turns an inferred column with a duplicate key after the sample into string', async () => {
      const rows = numbered(1_100, (r) => (r === 1_050 ? `${r},"{""a"":1,""a"":2}"` : `${r},"{""a"":${r}}"`));
      const { result, counted } = run(csv(['id,doc', ...rows]));
      const imported = await result;
      expect(counted.opens).toBe(2);
      expect(imported.columns.map((c) => c.type)).toEqual(['string', 'string']);
      const [row] = await readRows(fixture.db.pool, imported.listId, [1_050]);
      expect(row!.data).toEqual({ id: '1050', doc: '{"a":1,"a":2}' });
    });

    it('reports a duplicate key in a declared json column as JSON_PARSE_ERROR naming the key', async () => {
      const job = importJob({ columns: [{ name: 'doc', type: 'json' }], invalidRows: 'skip' });
      const { result } = run(csv(['id,doc', '1,"{""a"":1}"', '2,"[{""k"":1,""k"":2}]"']), job);
      const imported = await result;
      expect(imported).toMatchObject({ rows: 1, skippedRows: 1 });
      expect(imported.problems).toEqual([
        expect.objectContaining({ row: 2, line: 3, column: 'doc', code: 'JSON_PARSE_ERROR', message: expect.stringMatching(/key "k" twice/) }),
      ]);
      expect((await readColumns(fixture.db.pool, imported.listId)).map((c) => c.type)).toEqual(['string', 'json']);
    });
  });
});
