import type { ImportRequestInput } from '../../src/shared/contract.js';

/**
 * The quoting shapes of issue 15's "What we saw", each with what it must become now: the
 * values read, or CSV_MALFORMED naming the lines. Run through the CLI and through the service.
 */
export interface QuoteCase {
  name: string;
  file: string;
  csv?: ImportRequestInput['csv'];
  /** Flags for the import-file command saying what `csv` says. */
  flags?: string[];
  expect:
    | { quote: string; rows: Record<string, string>[] }
    | { error: 'CSV_MALFORMED'; message: RegExp };
}

export const QUOTE_CASES: QuoteCase[] = [
  {
    name: 'blanks after a closing quote are read as a spreadsheet reads them',
    file: 'x,y,z\nA,"B" ,C\n',
    expect: { quote: '"', rows: [{ x: 'A', y: 'B ', z: 'C' }] },
  },
  {
    name: 'a quote inside a quoted value that runs past a delimiter is CSV_MALFORMED naming the line',
    file: 'x,y,z\na,"b,"c\nd,e,f\n',
    expect: { error: 'CSV_MALFORMED', message: /line 2: in column 2, a quoted value goes on after a quote that does not close it.*"\\"b,\\"c"/ },
  },
  {
    name: 'two lines are never merged into one cell',
    file: 'x,y,z\na,"b,c\nd"e,f,g\n',
    expect: { error: 'CSV_MALFORMED', message: /line 3 \(the quoted value opens on line 2; the lines are not read as one value\)/ },
  },
  {
    name: 'an escape keeps a backslash that escapes neither a quote nor itself',
    file: 'x,y\n"c\\d","e\\"f\\\\g"\n',
    csv: { escape: '\\' },
    flags: ['--escape', '\\'],
    expect: { quote: '"', rows: [{ x: 'c\\d', y: 'e"f\\g' }] },
  },
  {
    name: "a '-quoted file is read with ' as its quote",
    file: "'a'|'b'|'c'\n'1'|'O''Brien'|'x|y'\n",
    expect: { quote: "'", rows: [{ a: '1', b: "O'Brien", c: 'x|y' }] },
  },
  {
    name: 'a quote inside an unquoted value stays text',
    file: 'item,size\nfloppy,5" disk\n',
    expect: { quote: '"', rows: [{ item: 'floppy', size: '5" disk' }] },
  },
];
