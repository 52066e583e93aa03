import { describe, expect, it } from 'vitest';
import { excelSepLine, sniffDelimiter } from '../../src/worker/import-csv/sniff-delimiter.js';

describe('sniffDelimiter', () => {
  it.each([
    [',', 'a,b,c\n1,2,3\n4,5,6\n'],
    [';', 'a;b;c\n1;2;3\n4;5;6\n'],
    ['\t', 'a\tb\tc\n1\t2\t3\n'],
    ['|', 'a|b|c\n1|2|3\n'],
  ])('picks %j when it separates every line the same way', (delimiter, sample) => {
    expect(sniffDelimiter(sample, '"', true)).toBe(delimiter);
  });

  it('prefers the delimiter with consistent counts over one that is merely frequent', () => {
    // 5 commas against 4 semicolons, but only the semicolons split every line the same way.
    const sample = 'name;amount\nSmith, J., Jr.;1,5\nDoe;2\nRoe, R.;3,25\n';
    expect(sniffDelimiter(sample, '"', true)).toBe(';');
  });

  it('does not count delimiters inside quoted fields', () => {
    const sample = '"header1;header2;header3"\n"value1;value2;value3"\n"value1;value2;value3"\n';
    expect(sniffDelimiter(sample, '"', true)).toBe(',');
  });

  it('follows the quote character it is given', () => {
    const sample = "'a;b;c',d\n'e;f;g',h\n";
    expect(sniffDelimiter(sample, "'", true)).toBe(',');
    expect(sniffDelimiter(sample, '"', true)).toBe(';');
  });

  it('keeps quoted line breaks inside one line', () => {
    const sample = 'a;b\n"x\ny,z,w";1\n"p\nq,r,s";2\n';
    expect(sniffDelimiter(sample, '"', true)).toBe(';');
  });

  it('treats CR-only and CRLF line ends as line ends', () => {
    expect(sniffDelimiter('a|b\r1|2\r3|4\r', '"', true)).toBe('|');
    expect(sniffDelimiter('a;b\r\n1;2\r\n', '"', true)).toBe(';');
  });

  it('ignores blank lines', () => {
    expect(sniffDelimiter('\n\n\na;b;c\n\n1;2;3\n', '"', true)).toBe(';');
  });

  it('falls back to a comma when no candidate occurs (a one-column file)', () => {
    expect(sniffDelimiter('name\nAda\nGrace\n', '"', true)).toBe(',');
    expect(sniffDelimiter('', '"', true)).toBe(',');
  });

  it('ignores the last line of a sample that was cut short, but counts it when the file ended there', () => {
    const sample = 'a|b|c\n1,2,3,4,5';
    expect(sniffDelimiter(sample, '"', false)).toBe('|');
    expect(sniffDelimiter(sample, '"', true)).toBe(',');
  });

  it('breaks a tie in consistency by the number of columns', () => {
    expect(sniffDelimiter('a;b,c,d\n1;2,3,4\n', '"', true)).toBe(',');
  });

  describe('on a tie, a comma between digits is a decimal comma', () => {
    it('splits a semicolon export on ";" when a header name holds a comma and the value a decimal comma', () => {
      expect(sniffDelimiter('Name;Betrag, EUR\nMüller;12,50\n', '"', true)).toBe(';');
      expect(sniffDelimiter('Name;Betrag, EUR\r\nMüller;12,50\r\nSchmidt;7,00\r\n', '"', true)).toBe(';');
    });

    it('splits decimal-comma numbers on ";" although the commas would give more columns', () => {
      expect(sniffDelimiter('1,5;2,25\n3,75;4,5\n', '"', true)).toBe(';');
      expect(sniffDelimiter('-1,5;0,25;10,125\n7,0;8,5;9,75\n', '"', true)).toBe(';');
    });

    it('still reads a comma file of numbers on ",", with or without a header', () => {
      expect(sniffDelimiter('x,y,z\n1,2,3\n4,5,6\n', '"', true)).toBe(',');
      expect(sniffDelimiter('1,2,3\n4,5,6\n', '"', true)).toBe(',');
      expect(sniffDelimiter('1,5\n2,25\n', '"', true)).toBe(',');
    });

    it('keeps a run of numbers joined by commas (1,2,3) as delimiters, not one decimal number', () => {
      expect(sniffDelimiter('1;2,3,4\n5;6,7,8\n', '"', true)).toBe(',');
    });

    it('does not count decimal commas inside quotes or next to letters', () => {
      expect(sniffDelimiter('a;"1,5"\nb;"2,5"\n', '"', true)).toBe(';');
      expect(sniffDelimiter('a1,b2;c\nd3,e4;f\n', '"', true)).toBe(',');
    });
  });
});

describe('excelSepLine', () => {
  it.each([
    [',', 'sep=,\na,b\n'],
    [';', 'sep=;\r\na;b\r\n'],
    ['\t', 'sep=\t\ra\tb\r'],
    ['|', 'sep=|\na|b'],
    [';', 'sep=;'],
    [';', 'SEP=;\na;b\n'],
  ])('reads %j from a first line that is exactly sep=X', (delimiter, text) => {
    expect(excelSepLine(text)).toBe(delimiter);
  });

  it.each([
    ['another character', 'sep=:\na:b\n'],
    ['more after the delimiter', 'sep=;;\na;b\n'],
    ['a quoted line', '"sep=;"\na;b\n'],
    ['a space before it', ' sep=;\na;b\n'],
    ['a header that starts with sep', 'separator;b\n1;2\n'],
    ['a sep line after the first line', 'a;b\nsep=;\n'],
    ['an empty file', ''],
  ])('finds none in %s', (_name, text) => {
    expect(excelSepLine(text)).toBeUndefined();
  });
});
