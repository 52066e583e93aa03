/** A CSV of `rows` numbered data rows (three columns, about 30 bytes a row), to count after an import. */
export function numberedCsv(rows: number): string {
  const lines = ['n,label,email'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},"row ${i}",user${i}@example.com`);
  return `${lines.join('\n')}\n`;
}
