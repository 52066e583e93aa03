import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run dev without its database server', () => {
  it('exits 1 naming the server and database it could not reach, and the setting to change', async () => {
    const failed = await run('npm', ['run', '-s', 'dev'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // Port 1 on loopback: nothing listens there.
        DATABASE_URL: 'postgres://postgres:secret-password@127.0.0.1:1/csv_import_nowhere',
        DEV_PORT: '0',
      },
    }).then(() => undefined, (err: { code: number; stderr: string }) => err);

    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('npm run dev could not start: PostgreSQL at 127.0.0.1:1, database csv_import_nowhere (DATABASE_URL): connect ECONNREFUSED');
    expect(failed?.stderr).not.toContain('secret-password');
  });
});
