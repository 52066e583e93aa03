import XLSX from 'xlsx';

// SheetJS as most code uses it: the whole workbook read into memory, then the sheet as arrays.
const workbook = XLSX.readFile(process.argv[2], { dense: true, cellDates: true });
const sheet = workbook.Sheets[workbook.SheetNames[0]];
const rows = XLSX.utils.sheet_to_json(sheet, { header: 1, raw: false });
process.stdout.write(`${JSON.stringify({ rows: rows.length })}\n`);
