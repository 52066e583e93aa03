import ExcelJS from 'exceljs';

// ExcelJS's streaming WorkbookReader: shared strings cached, rows emitted as they are read.
const reader = new ExcelJS.stream.xlsx.WorkbookReader(process.argv[2], { sharedStrings: 'cache', worksheets: 'emit', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
let rows = 0;
for await (const sheet of reader) {
  for await (const row of sheet) if (row.values) rows++;
  break;
}
process.stdout.write(`${JSON.stringify({ rows })}\n`);
