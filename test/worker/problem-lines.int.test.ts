import { describe, expect, it } from 'vitest';
import { importError, importFile, importJob } from '../helpers/run-import.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

/**
 * A problem names the physical line where its record starts (DESIGN §5), whatever the line ends,
 * quoted line breaks, blank lines and skipped preamble before it.
 */

describe('problem line numbers', () => {
  const fixture = useEngineFixture();

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('counts a quoted %s line break as one physical line', async (_name, eol) => {
    const body = ['a,b', '1,"two', 'lines"', '', '2,"three', '', 'lines"', '3,4,5', ''].join(eol);
    const err = await importError(importFile(fixture.db, fixture.temp.write(body), importJob()));
    expect(err.problems).toEqual([expect.objectContaining({ code: 'COLUMN_COUNT', row: 3, line: 8 })]);
  });

  it.each([
    ['after blank lines', 'a\n1\n\n\n"open\nmore\n', {}, 5],
    ['after a quoted CRLF and a blank line', 'a\r\n"x\r\ny"\r\n\r\n"open\r\n', {}, 5],
    ['in the first record after skipped preamble lines', 'Title\nSubtitle\n"open\n', { skipRows: 2 }, 3],
    ['in the first record after leading blank lines', '\n\n"open\n', {}, 3],
  ])('names the line where an unclosed quote starts %s', async (_name, body, csvOptions, line) => {
    const err = await importError(importFile(fixture.db, fixture.temp.write(body), importJob({ csv: csvOptions })));
    expect(err.code).toBe('CSV_MALFORMED');
    expect(err.message).toMatch(new RegExp(`starting on line ${line} is never closed`));
  });

  it('counts skipped preamble lines when naming the header line', async () => {
    const err = await importError(importFile(fixture.db, fixture.temp.write('Report\n\n , \n1,2\n'), importJob({ csv: { skipRows: 2 } })));
    expect(err.code).toBe('NO_HEADER');
    expect(err.message).toMatch(/line 3\b/);
  });

  it('counts skipped preamble lines when naming the line of a header-less row', async () => {
    const job = importJob({ csv: { header: false, skipRows: 1 }, columns: [{ name: 'column_1', type: 'json' }] });
    const err = await importError(importFile(fixture.db, fixture.temp.write('Title\n{bad\n[1]\n'), job));
    expect(err.problems).toEqual([expect.objectContaining({ code: 'JSON_PARSE_ERROR', row: 1, line: 2 })]);
  });
});
