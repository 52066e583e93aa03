import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileReport } from '../../src/worker/import-csv/sinks/rejected-rows.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { importFile, importJob } from '../helpers/run-import.js';

/** The rejected-rows report speaks the file's own delimiter (DESIGN §5.4): a `;` file's report opens in columns in the same Excel. */

const fixture = useEngineFixture();

async function reportOf(csv: string): Promise<string> {
  const path = join(fixture.temp.dir, `report-${Math.random().toString(36).slice(2)}.csv`);
  await importFile(fixture.db, fixture.temp.write(csv), importJob({ invalidRows: 'skip', columns: [{ name: 'E-mail', notEmpty: true }] }), {
    rejectedRows: fileReport(path),
  });
  return readFileSync(path, 'utf8');
}

describe('the rejected-rows report', () => {
  it("is written in a semicolon file's delimiter, quoting cells that hold it and leaving commas bare", async () => {
    const report = await reportOf('E-mail;Name;Betrag\nann@example.org;Ann;12,50\n;"Bo; Jr.";7,25\n');

    expect(report).toBe(
      '\ufeffE-mail;Name;Betrag;row;line;error\r\n' +
        ';"Bo; Jr.";7,25;2;3;"row 2 (line 3), column ""E-mail"" is empty; it must have a value"\r\n',
    );
  });

  it('is written with tabs for a tab-separated file', async () => {
    const report = await reportOf('E-mail\tName\n\tBo, Jr.\n');

    expect(report.split('\r\n')[0]).toBe('\ufeffE-mail\tName\trow\tline\terror');
    expect(report.split('\r\n')[1]).toMatch(/^\tBo, Jr\.\t1\t2\t"row 1 \(line 2\), column ""E-mail"" is empty; it must have a value"$/);
  });

  it('stays comma-separated for a comma file', async () => {
    const report = await reportOf('E-mail,Name\n,"Bo; Jr."\n');

    expect(report.split('\r\n')[0]).toBe('\ufeffE-mail,Name,row,line,error');
    expect(report.split('\r\n')[1]).toBe(',Bo; Jr.,1,2,"row 1 (line 2), column ""E-mail"" is empty; it must have a value"');
  });
});
