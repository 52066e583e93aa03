import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { QUOTE_CASES } from '../helpers/quote-cases.js';
import { readRows } from '../helpers/read-list.js';

/** Issue 15's quoting shapes through the import-file command: its one JSON line, and the list it wrote. */

const run = promisify(execFile);

describe('import-file reads quotes strictly', () => {
  const fixture = useEngineFixture();

  async function cli(args: string[]): Promise<{ code: number; out: Record<string, any> }> {
    const env = { ...process.env, DATABASE_URL: fixture.db.url, LOG_LEVEL: 'silent' };
    const outcome = await run('npx', ['tsx', 'src/worker/import-file.ts', ...args], { env }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    return { code: outcome.code, out: JSON.parse(outcome.stdout.trim().split('\n').at(-1)!) };
  }

  for (const c of QUOTE_CASES) {
    it(c.name, async () => {
      const path = fixture.temp.write(c.file, `${c.name.replaceAll(/\W+/g, '-')}.csv`);
      const { code, out } = await cli([path, ...(c.flags ?? [])]);
      if ('error' in c.expect) {
        expect(code).toBe(1);
        expect(out.error.code).toBe(c.expect.error);
        expect(out.error.message).toMatch(c.expect.message);
        return;
      }
      expect(out.error).toBeUndefined();
      expect(code).toBe(0);
      expect(out.quote).toBe(c.expect.quote);
      expect(out.preview.quote).toBe(c.expect.quote);
      expect((await readRows(fixture.db.pool, out.listId)).map((r) => r.data)).toEqual(c.expect.rows);
    });
  }

  it('takes --quote auto, and a named quote over what auto would choose', async () => {
    const path = fixture.temp.write("a,b\n'1','2'\n", 'named-quote.csv');
    const auto = await cli([path, '--quote', 'auto']);
    expect(auto.out.quote).toBe("'");
    const named = await cli([path, '--quote', '"']);
    expect(named.out.quote).toBe('"');
    expect((await readRows(fixture.db.pool, named.out.listId)).map((r) => r.data)).toEqual([{ a: "'1'", b: "'2'" }]);
  });
});
