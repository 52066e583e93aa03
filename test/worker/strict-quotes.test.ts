import { CsvError } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { CsvOptions, type ImportRequestInput } from '../../src/shared/contract.js';
import { CsvRecords, csvParseOptions } from '../../src/worker/import-csv/csv-records.js';

type Csv = NonNullable<ImportRequestInput['csv']>;

/** Records csv-parse hands over with the engine's options, the text fed whole or one byte at a time. */
function records(text: string, csv: Csv = {}, { bytewise = false } = {}): string[][] {
  const options = CsvOptions.parse(csv);
  const out: string[][] = [];
  const parser = new CsvRecords(csvParseOptions(options, ',', 1 << 20), (record) => out.push(record));
  const bytes = Buffer.from(text, 'utf8');
  if (bytewise) for (let i = 0; i < bytes.length; i++) parser.write(bytes.subarray(i, i + 1));
  else parser.write(bytes);
  parser.end();
  return out;
}

function refusal(text: string, csv: Csv = {}): CsvError {
  try {
    records(text, csv);
  } catch (err) {
    expect(err).toBeInstanceOf(CsvError);
    return err as CsvError;
  }
  throw new Error(`${JSON.stringify(text)} was read without an error`);
}

describe('quotes inside quoted values', () => {
  it('reads spaces after a closing quote as the quoted text and the spaces, as LibreOffice does', () => {
    expect(records('A,"B" ,C\n')).toEqual([['A', 'B ', 'C']]);
    expect(records('A,"B"  \n')).toEqual([['A', 'B  ']]);
  });

  it('refuses a tab after a closing quote, which LibreOffice reads as text, quotes and all', () => {
    expect(refusal('A,"B"\t,C\n').code).toBe('CSV_INVALID_CLOSING_QUOTE');
  });

  it('reads a quote not followed by a delimiter as text when the value ends with its own closing quote', () => {
    expect(records('"Pedro "the" legend",x\n')).toEqual([['Pedro "the" legend', 'x']]);
    expect(records('1,"a"b""c",x\n2,"a" "b"  ,y\n')).toEqual([['1', 'a"b"c', 'x'], ['2', 'a" "b  ', 'y']]);
  });

  it('refuses a quoted value that a delimiter splits before its closing quote', () => {
    const err = refusal('x,y,z\na,"b,"c\nd,e,f\n');
    expect(err.code).toBe('CSV_INVALID_CLOSING_QUOTE');
    expect(err.message).toContain('column 2');
    expect(err.message).toContain('"\\"b,\\"c"');
  });

  it('never merges two lines into one cell after a quote that does not close the value', () => {
    const err = refusal('x,y,z\na,"b,c\nd"e,f,g\nh,i,j\n');
    expect(err.code).toBe('CSV_INVALID_CLOSING_QUOTE');
    expect(err['value_line_offset']).toBe(0);
    expect(err['quote_line_offset']).toBe(1);
    // LibreOffice reads this one as a value over two lines; a file can mean either, so neither is guessed.
    expect(refusal('x,y,z\na,"b,c\nd"e",f\n').code).toBe('CSV_INVALID_CLOSING_QUOTE');
  });

  it('still reads a quoted value over several lines that its closing quote ends', () => {
    expect(records('a,"b,c\nd",e\n')).toEqual([['a', 'b,c\nd', 'e']]);
  });
});

describe('quotes inside unquoted values', () => {
  it('keeps a quote after other text as text', () => {
    expect(records('floppy,5" disk,3"\nx,b"c,d"e\n')).toEqual([['floppy', '5" disk', '3"'], ['x', 'b"c', 'd"e']]);
  });

  it('refuses a quote after leading spaces, which spreadsheet programs read as opening a quoted value', () => {
    const err = refusal('a, "b,c",d\n');
    expect(err.code).toBe('INVALID_OPENING_QUOTE');
    expect(err.message).toContain('column 2');
  });

  it('keeps leading spaces before other text, and a tab before a quote, as text', () => {
    expect(records('a, b,\t c,\t"d\n')).toEqual([['a', ' b', '\t c', '\t"d']]);
  });
});

describe('escapes', () => {
  it('escape a quote or the escape itself, nothing else', () => {
    const text = 'x,y\n"c\\d","e\\"f\\\\g"\n';
    expect(records(text, { escape: '\\' })).toEqual([['x', 'y'], ['c\\d', 'e"f\\g']]);
    expect(records(text, { escape: '\\' }, { bytewise: true })).toEqual([['x', 'y'], ['c\\d', 'e"f\\g']]);
  });

  it("double the quote by default, whatever the quote: 'O''Brien' in a '-quoted file", () => {
    expect(records("'1','O''Brien','He said \"no\"'\n", { quote: "'" })).toEqual([['1', "O'Brien", 'He said "no"']]);
  });
});

describe('skipped lines', () => {
  it('do not carry a quote shape into the first record', () => {
    expect(records('title "x" y,"z"w\nh\n1\n', { skipRows: 1 })).toEqual([['h'], ['1']]);
  });
});

describe('every rule, fed one byte at a time', () => {
  it('reads the same values', () => {
    const text = 'A,"B" ,C\n"Pedro "the" legend",5" disk\n"a""b","c\nd"\n';
    expect(records(text, {}, { bytewise: true })).toEqual(records(text));
    expect(records(text)).toEqual([['A', 'B ', 'C'], ['Pedro "the" legend', '5" disk'], ['a"b', 'c\nd']]);
  });
});
