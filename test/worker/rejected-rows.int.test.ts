import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAll, readList } from '../helpers/read-list.js';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { ImportError } from '../../src/shared/errors.js';
import { bucketReport, fileReport } from '../../src/worker/import-csv/sinks/rejected-rows.js';

/** Rejected-rows reports (DESIGN §5.4), written to the in-process S3 store. */

const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const lineBreaks = (cells: string[]) => cells.join('').match(/\r\n|\r|\n/g)?.length ?? 0;

interface Rejected {
  cells: string[];
  row: number;
  line: number;
}

/**
 * 2,000 rows, every 8th invalid (250): bad JSON, an extra cell, or an empty required value, in
 * turn. Cells hold quotes, commas, CRLF and LF line breaks and non-ASCII text.
 */
function mixedFile(): { text: string; rejected: Rejected[] } {
  const header = ['id', 'name', 'note', 'payload', 'email'];
  const lines = [header.join(',')];
  const rejected: Rejected[] = [];
  let line = 2;
  for (let i = 1; i <= 2000; i++) {
    const note = i % 16 === 0 ? `first\r\nsecond ${i}` : i % 5 === 0 ? `a\nb, "c"` : `plain ${i}`;
    const cells = [String(i), `Zoë "Q" ${i}, Jr. Имя 名前 🎉`, note, `{"n":${i}}`, `p${i}@example.org`];
    if (i % 8 === 0) {
      const kind = (i / 8) % 3;
      if (kind === 0) cells[3] = `{"n":${i},`;
      else if (kind === 1) cells.push('EXTRA, ☃ "x"');
      else cells[4] = '   ';
      rejected.push({ cells, row: i, line });
    }
    lines.push(cells.map(field).join(','));
    line += 1 + lineBreaks(cells);
  }
  return { text: `${lines.join('\n')}\n`, rejected };
}

describe('the rejected-rows report', () => {
  const fixture = useEngineFixture();
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  const plan = { columns: [{ name: 'payload', type: 'json' as const }, { name: 'email', notEmpty: true }] };
  const readObject = async (key: string) => buffer((await s3.storage.open(key)).stream);

  /** The report as Python's csv module reads it. */
  function parsedByPython(bytes: Buffer): string[][] {
    const path = fixture.temp.write(bytes, `report-${Math.random().toString(36).slice(2)}.csv`);
    const script = "import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n    print(json.dumps(list(csv.reader(f))))";
    return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as string[][];
  }

  function expectReport(bytes: Buffer, rejected: Rejected[]): void {
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = parsedByPython(bytes);
    expect(rows[0]).toEqual(['id', 'name', 'note', 'payload', 'email', 'row', 'line', 'error']);
    expect(rows).toHaveLength(rejected.length + 1);
    rejected.forEach((r, k) => {
      const got = rows[k + 1]!;
      expect(got.slice(0, 5)).toEqual(r.cells.slice(0, 5));
      expect(got.slice(5, 7)).toEqual([String(r.row), String(r.line)]);
      expect(got[7]).toMatch(new RegExp(`^row ${r.row} \\(line ${r.line}\\)`));
      expect(got.slice(8)).toEqual(r.cells.slice(5));
    });
  }

  it('lists every invalid row of a skip import, cells byte-exact, with row and line, complete when the list is committed', async () => {
    const { text, rejected } = mixedFile();
    expect(rejected).toHaveLength(250);
    const path = fixture.temp.write(text);
    const job = importJob({ ...plan, invalidRows: 'skip' });
    const key = `rejected/${job.jobId}.csv`;
    const result = await importFile(fixture.db, path, job, { rejectedRows: bucketReport(s3.storage, key) });
    expect(result).toMatchObject({ rows: 1750, skippedRows: 250, problemCount: 250, rejectedRows: { key, rows: 250 } });
    expect(result.problems).toHaveLength(100);
    expectReport(await readObject(key), rejected);
  });

  it('in "fail" mode stops writing at the first problem but reads to the end: all 250 in the report, named in the error', async () => {
    const before = await countAll(fixture.db.pool);
    const { text, rejected } = mixedFile();
    const path = fixture.temp.write(text);
    const job = importJob(plan);
    const key = `rejected/${job.jobId}.csv`;
    const error = await importError(importFile(fixture.db, path, job, { rejectedRows: bucketReport(s3.storage, key) }));
    expect(error.code).toBe('INVALID_ROWS');
    expect(error.problemCount).toBe(250);
    expect(error.rejectedRows).toEqual({ key, rows: 250 });
    expect(error.toJSON().rejectedRows).toEqual({ key, rows: 250 });
    expectReport(await readObject(key), rejected);
    expect(await countAll(fixture.db.pool)).toEqual(before);
    expect(await readList(fixture.db.pool, job.jobId)).toBeUndefined();
  });

  it('is written for a dry run as for a real import', async () => {
    const { text, rejected } = mixedFile();
    const path = fixture.temp.write(text);
    const job = importJob({ ...plan, invalidRows: 'skip', dryRun: true });
    const key = `rejected/${job.jobId}.csv`;
    const result = await importFile(fixture.db, path, job, { rejectedRows: bucketReport(s3.storage, key) });
    expect(result).toMatchObject({ dryRun: true, rows: 1750, rejectedRows: { key, rows: 250 } });
    expectReport(await readObject(key), rejected);
  });

  it('leaves no report behind when the file turns out to be broken after invalid rows', async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => (i % 2 ? `${i},x,extra` : `${i},y`));
    const path = fixture.temp.write(`a,b\n${rows.join('\n')}\n"never closed\n`);
    const job = importJob({ invalidRows: 'skip' });
    const key = `rejected/${job.jobId}.csv`;
    const error = await importError(importFile(fixture.db, path, job, { rejectedRows: bucketReport(s3.storage, key) }));
    expect(error.code).toBe('CSV_MALFORMED');
    expect(error.rejectedRows).toBeUndefined();
    await expect(s3.storage.head(key)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('removes a complete report when the import it belongs to does not commit', async () => {
    const path = fixture.temp.write('a,b\n1,2\n3,4,extra\n5,6\n');
    const job = importJob({ invalidRows: 'skip' });
    const key = `rejected/${job.jobId}.csv`;
    const error = await importError(importFile(fixture.db, path, job, {
      rejectedRows: bucketReport(s3.storage, key),
      beforeCommit: async () => {
        // The report is complete by now (DESIGN §5.4): the refusal comes after it.
        expect((await s3.storage.head(key)).size).toBeGreaterThan(0);
        throw new ImportError('LOCK_LOST', 'another worker took this job over');
      },
    }));
    expect(error.code).toBe('LOCK_LOST');
    await expect(s3.storage.head(key)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('as a local file, is whole or absent: a broken file after invalid rows leaves neither it nor a partial one', async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => (i % 2 ? `${i},x,extra` : `${i},y`));
    const path = fixture.temp.write(`a,b\n${rows.join('\n')}\n"never closed\n`);
    const out = `${fixture.temp.dir}/report-${Math.random().toString(36).slice(2)}.csv`;
    const error = await importError(importFile(fixture.db, path, importJob({ invalidRows: 'skip' }), { rejectedRows: fileReport(out) }));
    expect(error.code).toBe('CSV_MALFORMED');
    expect([existsSync(out), existsSync(`${out}.partial`)]).toEqual([false, false]);

    const good = fixture.temp.write('a,b\n1,2\n3,4,extra\n');
    const result = await importFile(fixture.db, good, importJob({ invalidRows: 'skip' }), { rejectedRows: fileReport(out) });
    expect(result.rejectedRows).toEqual({ key: out, rows: 1 });
    expect([existsSync(out), existsSync(`${out}.partial`)]).toEqual([true, false]);
  });

  it('writes nothing and names nothing when no row is invalid', async () => {
    const path = fixture.temp.write('a,b\n1,2\n');
    const job = importJob();
    const key = `rejected/${job.jobId}.csv`;
    const result = await importFile(fixture.db, path, job, { rejectedRows: bucketReport(s3.storage, key) });
    expect(result).not.toHaveProperty('rejectedRows');
    await expect(s3.storage.head(key)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('streams a report larger than one multipart part (5 MiB) through lib-storage', async () => {
    const wide = 'ü'.repeat(2_000);
    const rows = Array.from({ length: 3_000 }, (_, i) => `${i + 1},${wide},x`);
    const path = fixture.temp.write(`a,b\n${rows.join('\n')}\n`);
    const job = importJob({ invalidRows: 'skip' });
    const key = `rejected/${job.jobId}.csv`;
    const result = await importFile(fixture.db, path, job, { rejectedRows: bucketReport(s3.storage, key) });
    expect(result.rejectedRows).toEqual({ key, rows: 3_000 });
    const bytes = await readObject(key);
    expect(bytes.length).toBeGreaterThan(10 * 1024 * 1024);
    const parsed = parsedByPython(bytes);
    expect(parsed).toHaveLength(3_001);
    expect(parsed[3_000]).toEqual(['3000', wide, '3000', '3001', 'row 3000 (line 3001) has 3 values but the header has 2 columns', 'x']);
  });
});
