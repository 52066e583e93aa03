import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Why LibreOffice cannot be run, or undefined when `soffice` answers (`.ci/run` installs it). */
function sofficeMissing(): string | undefined {
  const answer = spawnSync('soffice', ['--version'], { timeout: 60_000 });
  if (answer.status === 0) return undefined;
  return 'LibreOffice is not installed (no `soffice` on the PATH): `apt-get install -y libreoffice-calc-nogui`, or run `bash .ci/run`, which installs it';
}

/**
 * A describe block that needs LibreOffice. Without it the block is one failing test saying what
 * to install (only the shared corpus may stand aside, and only outside CI).
 */
export function describeWithLibreOffice(title: string, body: () => void): void {
  const missing = sofficeMissing();
  describe(title, () => {
    it('finds LibreOffice', () => {
      expect(missing, missing).toBeUndefined();
    });
    if (!missing) body();
  });
}

/**
 * The cells LibreOffice Calc reads from each CSV file, with its import filter's separator and
 * text delimiter (UTF-8, from line 1), as it writes them back out as CSV with every text cell quoted.
 */
export async function readWithLibreOffice(paths: string[], dir: string, { separator = ',', quote = '"' } = {}): Promise<string[][][]> {
  const codes = `${separator.charCodeAt(0)},${quote.charCodeAt(0)},76,1`;
  await run(
    'soffice',
    [
      `-env:UserInstallation=${pathToFileURL(join(dir, 'lo-profile')).href}`,
      '--headless',
      `--infilter=Text - txt - csv (StarCalc):${codes}`,
      '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true',
      '--outdir', join(dir, 'lo-out'),
      ...paths,
    ],
    { timeout: 180_000 },
  );
  return paths.map((p) => {
    const out = join(dir, 'lo-out', p.split('/').at(-1)!.replace(/\.[^.]*$/, '.csv'));
    return parse(readFileSync(out, 'utf8'), { relax_column_count: true }) as string[][];
  });
}
