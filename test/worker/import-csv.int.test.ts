import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/shared/contract.js';
import { countAll, countRows, readColumns, readList, readRows } from '../helpers/read-list.js';
import { ImportError } from '../../src/shared/errors.js';
import { TEST_LIMITS, importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** The import's transaction, problem and limit rules (DESIGN §5), against real PostgreSQL. */

const csv = (lines: string[]) => `${lines.join('\n')}\n`;
const numbered = <T = string>(n: number, row: (i: number) => T) => Array.from({ length: n }, (_, i) => row(i + 1));

describe('importCsv', () => {
  const fixture = useEngineFixture();

  async function listsForJob(jobId: string) {
    const { rows } = await fixture.db.pool.query<{ lists: number; columns: number; rows: number }>(
      `select count(distinct l.id)::int as lists,
              (select count(*)::int from list_columns c join lists x on x.id = c.list_id where x.job_id = $1) as columns,
              (select count(*)::int from list_rows r join lists x on x.id = r.list_id where x.job_id = $1) as rows
         from lists l where l.job_id = $1`,
      [jobId],
    );
    return rows[0]!;
  }

  describe('row numbers', () => {
    it('numbers data rows from 1 with every digit count, across COPY chunks and past the type sample', async () => {
      const rows = 123_456;
      const path = fixture.temp.write(csv(['n,label', ...numbered(rows, (i) => `${i},row ${i}`)]));
      const result = await importFile(fixture.db, path, importJob());
      const { rows: [check] } = await fixture.db.pool.query<{ total: number; wrong: number; first: string; last: string }>(
        `select count(*)::int as total,
                count(*) filter (where row_number::text <> data->>'n')::int as wrong,
                min(row_number)::text as first, max(row_number)::text as last
           from list_rows where list_id = $1`,
        [result.listId],
      );
      expect(check).toEqual({ total: rows, wrong: 0, first: '1', last: String(rows) });
    });
  });

  describe('idempotency', () => {
    it('returns the existing list when the same job is imported again, creating nothing', async () => {
      const path = fixture.temp.write(csv(['name,age', 'Ada,36', 'Grace,45']));
      const job = importJob();
      const first = await importFile(fixture.db, path, job);
      const again = await importFile(fixture.db, fixture.temp.write(csv(['other', 'file'])), job);

      expect(first.alreadyImported).toBe(false);
      expect(again).toMatchObject({ listId: first.listId, rows: 2, columns: first.columns, skippedRows: 0, alreadyImported: true });
      expect(await listsForJob(job.jobId)).toEqual({ lists: 1, columns: 2, rows: 2 });
    });

    it('creates one list when two workers import the same job at the same time', async () => {
      const path = fixture.temp.write(csv(['id', ...numbered(5000, String)]));
      const job = importJob();
      const results = await Promise.all([importFile(fixture.db, path, job), importFile(fixture.db, path, job)]);

      expect(results.map((r) => r.alreadyImported).sort()).toEqual([false, true]);
      expect(results[0]!.listId).toBe(results[1]!.listId);
      expect(await listsForJob(job.jobId)).toEqual({ lists: 1, columns: 1, rows: 5000 });
    });

    it('answers a repeat with the first result, details and all, marked alreadyImported', async () => {
      const path = fixture.temp.write(csv(['name;note', 'Zoë;"a; b"', 'Bo;c\u0000d']));
      const job = importJob();
      const first = await importFile(fixture.db, path, job);
      const again = await importFile(fixture.db, path, job);

      expect(first).toMatchObject({ encoding: 'utf-8', delimiter: ';', nulCharactersRemoved: 1, alreadyImported: false });
      expect(again).toEqual({ ...first, alreadyImported: true });
    });

    it('succeeds when the file is gone because another run of the job committed its list and deleted it', async () => {
      const path = fixture.temp.write(csv(['name', 'Ada', 'Grace']));
      const job = importJob();
      let other: Awaited<ReturnType<typeof importFile>> | undefined;
      // This run checks for the list (none yet) and opens the file; meanwhile the other run
      // commits and deletes the file, so this one finds it missing: a permanent error.
      const result = await importFile(fixture.db, path, job, {
        source: {
          name: 'uploads/gone.csv',
          async open() {
            other = await importFile(fixture.db, path, job);
            throw new ImportError('FILE_NOT_FOUND', 'the file "uploads/gone.csv" does not exist in storage');
          },
        },
      });

      expect(other?.alreadyImported).toBe(false);
      expect(result).toEqual({ ...other, alreadyImported: true });
      expect(await listsForJob(job.jobId)).toEqual({ lists: 1, columns: 1, rows: 2 });
    });
  });

  describe('rollback', () => {
    it('leaves no list, columns or rows when the last row is bad, and names row, line, column and value', async () => {
      const badValue = `{"broken": ${'x'.repeat(300)}`;
      const lines = [
        'id,payload',
        // A quoted line break: from here on the physical line is one ahead of row + 1.
        '1,"{""note"":\n""two lines""}"',
        ...numbered(4998, (i) => `${i + 1},"{""n"": ${i + 1}, ""pad"": ""${'p'.repeat(60)}""}"`),
        `5000,"${badValue.replaceAll('"', '""')}"`,
      ];
      const job = importJob({ columns: [{ name: 'payload', type: 'json' }] });
      const before = await countAll(fixture.db.pool);
      const err = await importError(importFile(fixture.db, fixture.temp.write(csv(lines)), job));

      expect(err.code).toBe('JSON_PARSE_ERROR');
      expect(err.retryable).toBe(false);
      expect(err.problemCount).toBe(1);
      expect(err.problems).toEqual([
        expect.objectContaining({ code: 'JSON_PARSE_ERROR', row: 5000, line: 5002, column: 'payload', value: `${badValue.slice(0, 200)}…` }),
      ]);
      expect(err.message).toMatch(/row 5000 \(line 5002\), column "payload"/);
      expect(await countAll(fixture.db.pool)).toEqual(before);
    });

    it('fails on a too-long row with the row, line and both counts', async () => {
      const job = importJob();
      const err = await importError(importFile(fixture.db, fixture.temp.write(csv(['a,b', '1,2', '3,4,5,,'])), job));
      expect(err.code).toBe('COLUMN_COUNT');
      expect(err.problems).toEqual([expect.objectContaining({ row: 2, line: 3, value: '5,,' })]);
      expect(err.problems![0]!.message).toMatch(/has 3 values but the header has 2 columns/);
      expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
    });
  });

  describe('invalid rows', () => {
    const lines = csv([
      'id,payload,note',
      '1,"{""a"":1}",ok',
      '2,not json,bad json',
      '3,,ok',
      '4,[],too,many',
      '5,"[1,2]",ok',
    ]);

    it('skips invalid rows, keeps the good ones under their own row numbers, and reports the problems', async () => {
      const job = importJob({ invalidRows: 'skip', columns: [{ name: 'payload', type: 'json' }] });
      const result = await importFile(fixture.db, fixture.temp.write(lines), job);

      expect(result).toMatchObject({ rows: 3, skippedRows: 2, problemCount: 2 });
      expect(result.problems).toEqual([
        expect.objectContaining({ code: 'JSON_PARSE_ERROR', row: 2, line: 3, column: 'payload', value: 'not json' }),
        expect.objectContaining({ code: 'COLUMN_COUNT', row: 4, line: 5, value: 'many' }),
      ]);
      const rows = await readRows(fixture.db.pool, result.listId);
      expect(rows.map((r) => [r.rowNumber, r.data])).toEqual([
        [1, { id: '1', payload: { a: 1 }, note: 'ok' }],
        [3, { id: '3', payload: '', note: 'ok' }],
        [5, { id: '5', payload: [1, 2], note: 'ok' }],
      ]);
      expect(await readList(fixture.db.pool, job.jobId)).toMatchObject({ row_count: 3, skipped_rows: 2 });
    });

    it('keeps the first 100 problems and counts them all when skipping', async () => {
      const path = fixture.temp.write(csv(['a', ...numbered(300, (i) => (i % 2 ? `${i},extra` : `${i}`))]));
      const result = await importFile(fixture.db, path, importJob({ invalidRows: 'skip' }));

      expect(result).toMatchObject({ rows: 150, skippedRows: 150, problemCount: 150 });
      expect(result.problems).toHaveLength(100);
      expect(result.problems![99]).toMatchObject({ row: 199, line: 200 });
    });

    it('collects several problems of different kinds into one INVALID_ROWS error when failing', async () => {
      const job = importJob({ columns: [{ name: 'payload', type: 'json' }] });
      const err = await importError(importFile(fixture.db, fixture.temp.write(lines), job));

      expect(err.code).toBe('INVALID_ROWS');
      expect(err.problemCount).toBe(2);
      expect(err.problems!.map((p) => [p.code, p.row])).toEqual([['JSON_PARSE_ERROR', 2], ['COLUMN_COUNT', 4]]);
      expect(err.message).toMatch(/and 1 more problem/);
      expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
    });

    it('stops after 100 problems when failing', async () => {
      const path = fixture.temp.write(csv(['a', ...numbered(300, (i) => `${i},extra`)]));
      const err = await importError(importFile(fixture.db, path, importJob()));

      expect(err.code).toBe('COLUMN_COUNT');
      expect(err.problems).toHaveLength(100);
      expect(err.problemCount).toBe(100);
      expect(err.problems!.map((p) => p.row)).toEqual(numbered(100, (i) => i));
    });
  });

  describe('type inference', () => {
    it('re-plans a column as string when a value after the 1,000-row sample is not JSON', async () => {
      const lines = ['id,doc', ...numbered(1600, (i) => (i === 1500 ? `${i},not json` : `${i},"{""i"": ${i}}"`))];
      const job = importJob();
      const result = await importFile(fixture.db, fixture.temp.write(csv(lines)), job);

      expect(result.rows).toBe(1600);
      expect(result.columns).toEqual([
        { key: 'id', name: 'id', type: 'string' },
        { key: 'doc', name: 'doc', type: 'string' },
      ]);
      expect((await readColumns(fixture.db.pool, result.listId)).map((c) => c.type)).toEqual(['string', 'string']);
      const { rows } = await fixture.db.pool.query<{ kinds: string[] }>(
        `select array_agg(distinct jsonb_typeof(data->'doc')) as kinds from list_rows where list_id = $1`,
        [result.listId],
      );
      expect(rows[0]!.kinds).toEqual(['string']);
      const [first, bad] = await readRows(fixture.db.pool, result.listId, [1, 1500]);
      expect(first!.data).toEqual({ id: '1', doc: '{"i": 1}' });
      expect(bad!.data).toEqual({ id: '1500', doc: 'not json' });
      expect(await listsForJob(job.jobId)).toEqual({ lists: 1, columns: 2, rows: 1600 });
    });

    it('keeps an inferred json column json when every value parses', async () => {
      const lines = ['id,doc', ...numbered(1200, (i) => `${i},"[${i}]"`)];
      const result = await importFile(fixture.db, fixture.temp.write(csv(lines)), importJob());
      expect(result.columns.map((c) => c.type)).toEqual(['string', 'json']);
      const [last] = await readRows(fixture.db.pool, result.listId, [1200]);
      expect(last!.data).toEqual({ id: '1200', doc: [1200] });
    });
  });

  describe('shutdown', () => {
    it('rolls back and fails with SHUTTING_DOWN when aborted mid-import', async () => {
      const path = fixture.temp.write(csv(['id,text', ...numbered(200_000, (i) => `${i},row number ${i}`)]));
      const job = importJob();
      const controller = new AbortController();
      const before = await countAll(fixture.db.pool);
      let rowsAtAbort = 0;
      const err = await importError(
        importFile(fixture.db, path, job, {
          signal: controller.signal,
          progressEvery: 1000,
          onProgress: (p) => {
            // Late enough that several 256 KiB chunks of rows have already gone into COPY.
            if (rowsAtAbort || p.rows < 50_000) return;
            rowsAtAbort = p.rows;
            controller.abort();
          },
        }),
      );

      expect(rowsAtAbort).toBe(50_000);
      expect(err.code).toBe('SHUTTING_DOWN');
      expect(err.retryable).toBe(true);
      expect(await countAll(fixture.db.pool)).toEqual(before);
    });

    it('fails with SHUTTING_DOWN when the signal is already aborted before the import starts', async () => {
      const job = importJob();
      const err = await importError(importFile(fixture.db, fixture.temp.write(csv(['a', '1'])), job, { signal: AbortSignal.abort() }));
      expect(err.code).toBe('SHUTTING_DOWN');
      expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
    });
  });

  describe('progress', () => {
    it('reports increasing row counts and ends at every row and byte of the file', async () => {
      const path = fixture.temp.write(csv(['id', ...numbered(5000, String)]));
      const seen: Progress[] = [];
      const result = await importFile(fixture.db, path, importJob(), { progressEvery: 1000, onProgress: (p) => seen.push(p) });

      const rows = seen.map((p) => p.rows);
      expect(rows.slice(0, 5)).toEqual([1000, 2000, 3000, 4000, 5000]);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.rows).toBeGreaterThanOrEqual(seen[i - 1]!.rows);
        expect(seen[i]!.bytes).toBeGreaterThanOrEqual(seen[i - 1]!.bytes);
      }
      const last = seen.at(-1)!;
      expect(last).toEqual({ rows: result.rows, bytes: last.totalBytes, totalBytes: last.totalBytes, percent: 100 });
      expect(last.totalBytes).toBeGreaterThan(0);
    });
  });

  describe('empty files', () => {
    it('fails a 0-byte file with EMPTY_FILE', async () => {
      const err = await importError(importFile(fixture.db, fixture.temp.write(''), importJob()));
      expect(err.code).toBe('EMPTY_FILE');
      expect(err.retryable).toBe(false);
    });

    it.each([true, false])('fails a file of blank lines with EMPTY_FILE (header: %s)', async (header) => {
      const err = await importError(importFile(fixture.db, fixture.temp.write('\n\r\n\n'), importJob({ csv: { header } })));
      expect(err.code).toBe('EMPTY_FILE');
    });

    it('imports a header without data rows as an empty list with its columns', async () => {
      const result = await importFile(fixture.db, fixture.temp.write('name,age\n'), importJob());
      expect(result).toMatchObject({ rows: 0, columns: [{ key: 'name' }, { key: 'age' }] });
      expect(await countRows(fixture.db.pool, result.listId)).toEqual({ count: 0, min: null, max: null });
    });

    it('fails a header of blank names with NO_HEADER', async () => {
      const err = await importError(importFile(fixture.db, fixture.temp.write(' , ,\n1,2,3\n'), importJob()));
      expect(err.code).toBe('NO_HEADER');
      expect(err.message).toMatch(/line 1\b/);
    });
  });

  describe('limits', () => {
    const limits = { ...TEST_LIMITS, MAX_COLUMNS: 5, MAX_ROWS: 10 };

    it('fails a header with more columns than MAX_COLUMNS with TOO_MANY_COLUMNS', async () => {
      const job = importJob();
      const err = await importError(importFile(fixture.db, fixture.temp.write(csv(['a,b,c,d,e,f', '1,2,3,4,5,6'])), job, { limits }));
      expect(err.code).toBe('TOO_MANY_COLUMNS');
      expect(err.message).toMatch(/6 columns; at most 5/);
      expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
    });

    it('counts the columns of a header-less file from its rows', async () => {
      const err = await importError(importFile(fixture.db, fixture.temp.write(csv(['1,2', '1,2,3,4,5,6'])), importJob({ csv: { header: false } }), { limits }));
      expect(err.code).toBe('TOO_MANY_COLUMNS');
    });

    it('accepts exactly MAX_ROWS rows', async () => {
      const result = await importFile(fixture.db, fixture.temp.write(csv(['n', ...numbered(10, String)])), importJob(), { limits });
      expect(result.rows).toBe(10);
    });

    it('fails a file with more rows than MAX_ROWS with TOO_MANY_ROWS and stores nothing', async () => {
      const job = importJob();
      const err = await importError(importFile(fixture.db, fixture.temp.write(csv(['n', ...numbered(11, String)])), job, { limits }));
      expect(err.code).toBe('TOO_MANY_ROWS');
      expect(err.message).toMatch(/more than 10 rows/);
      expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
    });

    it('fails a file larger than MAX_FILE_SIZE with FILE_TOO_LARGE', async () => {
      const err = await importError(
        importFile(fixture.db, fixture.temp.write(csv(['n', ...numbered(100, String)])), importJob(), { limits: { ...TEST_LIMITS, MAX_FILE_SIZE: 100 } }),
      );
      expect(err.code).toBe('FILE_TOO_LARGE');
    });

    it('fails an unclosed quote that runs past MAX_RECORD_BYTES with RECORD_TOO_LARGE naming its line', async () => {
      const body = csv(['a,b', '1,2', `3,"never closed ${'x'.repeat(5000)}`, ...numbered(100, (i) => `${i},${i}`)]);
      const err = await importError(importFile(fixture.db, fixture.temp.write(body), importJob(), { limits: { ...TEST_LIMITS, MAX_RECORD_BYTES: 2048 } }));
      expect(err.code).toBe('RECORD_TOO_LARGE');
      expect(err.message).toMatch(/line 3\b/);
    });

    it('fails a missing file with FILE_NOT_FOUND', async () => {
      const err = await importError(importFile(fixture.db, `${fixture.temp.dir}/does-not-exist.csv`, importJob()));
      expect(err.code).toBe('FILE_NOT_FOUND');
    });
  });
});
