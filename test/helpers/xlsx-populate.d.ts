/** The part of xlsx-populate (no published types) the tests use: a blank workbook saved with a password. */
declare module 'xlsx-populate' {
  interface Cell {
    value(value: string | number | boolean): Cell;
  }
  interface Workbook {
    sheet(index: number): { cell(ref: string): Cell };
    outputAsync(options?: { password?: string }): Promise<Buffer>;
  }
  const XlsxPopulate: { fromBlankAsync(): Promise<Workbook> };
  export default XlsxPopulate;
}
