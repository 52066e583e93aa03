import { describe, expect, it } from 'vitest';
import { sniffDelimiter } from '../../src/worker/import-csv/sniff-delimiter.js';

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
});
