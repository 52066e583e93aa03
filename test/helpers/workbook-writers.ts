import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Debian's Python, where `apt-get install python3-openpyxl` puts its
 * modules (a pyenv or venv `python3` earlier on PATH does not see them).
 */
const PYTHON = '/usr/bin/python3';
const SOFFICE = '/usr/bin/soffice';

function missing(what: string, pkg: string): Error {
  return new Error(`${what} is missing: the workbook tests write and read workbooks with it. Install it with \`apt-get install -y ${pkg}\` (bash .ci/run does)`);
}

/** Runs a Python script (its text) with Debian's openpyxl; resolves its stdout. */
export async function python(script: string, args: string[] = []): Promise<string> {
  if (!existsSync(PYTHON)) throw missing(PYTHON, 'python3 python3-openpyxl');
  const check = await run(PYTHON, ['-c', 'import openpyxl']).catch(() => undefined);
  if (!check) throw missing('openpyxl', 'python3-openpyxl');
  const { stdout } = await run(PYTHON, ['-c', script, ...args], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** A cell as openpyxl reads it with `data_only=True` (cached formula results), in JSON's words. */
export interface OpenpyxlCell {
  row: number;
  column: number;
  kind: 'str' | 'bool' | 'number' | 'datetime' | 'date' | 'time' | 'none';
  /** Numbers as Python prints them (shortest round trip, or an int's every digit), datetimes ISO. */
  text: string;
  format: string;
}

const READ_CELLS = `
import datetime, json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
ws = wb[sys.argv[2]] if sys.argv[2] else wb.worksheets[0]
out = []
for row in ws.iter_rows():
    for c in row:
        v = c.value
        if v is None: kind, text = 'none', ''
        elif isinstance(v, bool): kind, text = 'bool', 'TRUE' if v else 'FALSE'
        elif isinstance(v, (int, float)): kind, text = 'number', repr(v)
        elif isinstance(v, datetime.datetime): kind, text = 'datetime', v.isoformat(timespec='milliseconds')
        elif isinstance(v, datetime.date): kind, text = 'date', v.isoformat()
        elif isinstance(v, datetime.time): kind, text = 'time', v.isoformat(timespec='milliseconds')
        else: kind, text = 'str', str(v)
        out.append({'row': c.row, 'column': c.column, 'kind': kind, 'text': text, 'format': c.number_format})
print(json.dumps(out))
`;

/** Every cell of a sheet (the first when none is named) as openpyxl reads it. */
export async function openpyxlCells(path: string, sheet = ''): Promise<OpenpyxlCell[]> {
  return JSON.parse(await python(READ_CELLS, [path, sheet])) as OpenpyxlCell[];
}

/** Converts a file (CSV, FODS) to .xlsx with LibreOffice Calc, headless; resolves the new file's path. */
export async function libreOfficeToXlsx(path: string, outDir: string): Promise<string> {
  if (!existsSync(SOFFICE)) throw missing('LibreOffice Calc', 'libreoffice-calc-nogui');
  // A profile of its own: a second soffice sharing the default one waits for the first, or quits.
  await run(SOFFICE, [`-env:UserInstallation=file://${outDir}/lo-profile`, '--headless', '--convert-to', 'xlsx', '--outdir', outDir, path], { timeout: 120_000 });
  return path.replace(/^.*\//, `${outDir}/`).replace(/\.[^.]+$/, '.xlsx');
}
