import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { countAll, readList, readRows } from '../helpers/read-list.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/** The import-file command (DESIGN §5.5): --request, --dry-run, --rejected-rows, preview in its one JSON line. */

const run = promisify(execFile);

describe('import-file', () => {
  const fixture = useEngineFixture();

  async function cli(args: string[]): Promise<{ code: number; out: Record<string, any>; lines: number }> {
    const env = { ...process.env, DATABASE_URL: fixture.db.url, LOG_LEVEL: 'silent' };
    const outcome = await run('npx', ['tsx', 'src/worker/import-file.ts', ...args], { env }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    const lines = outcome.stdout.trim().split('\n');
    return { code: outcome.code, out: JSON.parse(lines.at(-1)!), lines: lines.length };
  }

  const file = () => fixture.temp.write('Mail;Name;Notes\na@x.org;Ann;"x, ""y"""\n;Bo;z\nc@x.org;Cy;w\n');
  const request = (body: unknown) => fixture.temp.write(JSON.stringify(body), `request-${Math.random().toString(36).slice(2)}.json`);

  it('applies the types the sample proves with --infer-types lossless, and only suggests them without', async () => {
    const typed = fixture.temp.write('id,price,zip\n1,2.50,01234\n2,3,04321\n');
    const lossless = await cli([typed, '--infer-types', 'lossless']);
    expect(lossless.code).toBe(0);
    expect(lossless.out.columns.map((c: { type: string }) => c.type)).toEqual(['integer', 'number', 'string']);
    expect((await readRows(fixture.db.pool, lossless.out.listId))[0]!.text).toEqual({ id: '1', price: '2.50', zip: '01234' });
    const plain = await cli([typed]);
    expect(plain.out.columns.map((c: { type: string }) => c.type)).toEqual(['string', 'string', 'string']);
    expect(plain.out.preview.columns.map((c: { suggested: unknown }) => c.suggested)).toEqual([{ type: 'integer' }, { type: 'number', format: { decimalChar: '.' } }, { type: 'string' }]);
  });

  it('takes the plan from --request, and flags override it', async () => {
    const req = request({
      jobId: 'cli-request-1', list: { name: 'from file' }, csv: { delimiter: ',' }, invalidRows: 'fail',
      columns: [{ name: 'email', aliases: ['mail'], key: 'email', notEmpty: true }, { name: 'name' }], unmappedColumns: 'drop',
    });
    const { code, out, lines } = await cli([file(), '--request', req, '--delimiter', ';', '--skip-invalid-rows', '--name', 'from flag']);
    expect(lines).toBe(1);
    expect(code).toBe(0);
    expect(out).toMatchObject({ jobId: 'cli-request-1', rows: 2, skippedRows: 1, delimiter: ';' });
    expect(out.preview).toMatchObject({ delimiter: ';', header: ['Mail', 'Name', 'Notes'], sampleRows: [{ email: 'a@x.org', name: 'Ann' }, { email: 'c@x.org', name: 'Cy' }] });
    const { rows } = await fixture.db.pool.query('select name from lists where job_id = $1', ['cli-request-1']);
    expect(rows).toEqual([{ name: 'from flag' }]);
    expect((await readRows(fixture.db.pool, out.listId)).map((r) => r.data)).toEqual([{ email: 'a@x.org', name: 'Ann' }, { email: 'c@x.org', name: 'Cy' }]);
  });

  it('--dry-run writes nothing, --rejected-rows writes the report locally, and a failure prints error and preview', async () => {
    const before = await countAll(fixture.db.pool);
    const report = join(fixture.temp.dir, 'rejected-cli.csv');
    const req = request({ columns: [{ name: 'mail', notEmpty: true }] });
    const { code, out } = await cli([file(), '--request', req, '--dry-run', '--rejected-rows', report, '--job-id', 'cli-dry-1']);
    expect(code).toBe(1);
    expect(out.error).toMatchObject({ code: 'EMPTY_VALUE', problemCount: 1, rejectedRows: { key: report, rows: 1 } });
    expect(out.preview).toMatchObject({ header: ['Mail', 'Name', 'Notes'] });
    expect(readFileSync(report, 'utf8')).toBe('\ufeffMail;Name;Notes;row;line;error\r\n;Bo;z;2;3;"row 2 (line 3), column ""Mail"" is empty; it must have a value"\r\n');
    expect(await countAll(fixture.db.pool)).toEqual(before);
    expect(await readList(fixture.db.pool, 'cli-dry-1')).toBeUndefined();
  });

  it('--json-column types the request\'s own entry for that header, found as the plan finds headers', async () => {
    const csvPath = fixture.temp.write('Payload,n\n"{""a"":1}",1\n');
    const req = request({ list: { name: 'json flag' }, columns: [{ name: 'payload', aliases: ['data'], key: 'body' }] });
    const { code, out } = await cli([csvPath, '--request', req, '--json-column', 'DATA']);
    expect(code).toBe(0);
    expect(out.columns).toEqual([{ key: 'body', name: 'Payload', type: 'json' }, { key: 'n', name: 'n', type: 'string' }]);
  });

  it('refuses a request file that names a source', async () => {
    const { code, out } = await cli([file(), '--request', request({ source: { key: 'x.csv' } })]);
    expect(code).toBe(1);
    expect(out.error).toMatchObject({ code: 'INVALID_OPTIONS' });
    expect(out.error.message).toMatch(/source/);
  });
});
