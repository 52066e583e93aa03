const REFERENCE = /^([A-Za-z]{1,3})(\d+)$/;

/** `C12` as 1-based row and column numbers; undefined for text that is no cell reference. */
export function cellReference(ref: string): { row: number; column: number } | undefined {
  const m = REFERENCE.exec(ref);
  if (!m) return undefined;
  return { column: columnNumber(m[1]!), row: Number(m[2]) };
}

/** The column letters of a reference (`AB12` → 28), up to the first digit. */
export function columnNumber(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20;
    if (c < 97 || c > 122) break;
    n = n * 26 + (c - 96);
  }
  return n;
}

export function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}
