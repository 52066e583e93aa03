import { describe, expect, it } from 'vitest';
import { CsvOptions } from '../../src/shared/contract.js';
import { CsvRecords, csvParseOptions } from '../../src/worker/import-csv/csv-records.js';

const options = csvParseOptions(CsvOptions.parse({}), ',', 1 << 20);

function parse(text: string): { records: string[][]; parser: CsvRecords } {
  const records: string[][] = [];
  const parser = new CsvRecords(options, (record) => records.push(record));
  parser.write(Buffer.from(text, 'utf8'));
  parser.end();
  return { records, parser };
}

describe('CsvRecords', () => {
  it('hands over records of any width as they are', () => {
    const { records } = parse('a,b,c\n1,2,3,4\n5\n6,7,8\n9,10,11,12,13\n');
    expect(records).toEqual([['a', 'b', 'c'], ['1', '2', '3', '4'], ['5'], ['6', '7', '8'], ['9', '10', '11', '12', '13']]);
  });

  // csv-parse builds (and drops) an error object for each record of another width than the
  // first; it counts them in invalid_field_length. Per invalid row that garbage lifted a skip
  // mode import's peak memory well above a clean one's.
  it('has csv-parse build nothing for records of another width than the first', () => {
    const { parser } = parse('a,b,c\n1,2,3,4\n5\n6,7,8\n9,10,11,12,13\n"x\ny",z\n');
    expect(parser.info.records).toBe(6);
    expect(parser.info.invalid_field_length).toBe(0);
  });
});
