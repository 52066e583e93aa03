const LF = 0x0a;
const CR = 0x0d;

/**
 * Line breaks in text or bytes: LF, CRLF and a lone CR each end one line (DESIGN §5 reads all
 * three, mixed in one file), so that an error names the line a CR-only file (old Mac Excel) has.
 */
export function lineBreaks(chunk: string | Buffer): number {
  return occurrences(chunk, '\n') + occurrences(chunk, '\r') - occurrences(chunk, '\r\n');
}

/** Line breaks over a stream of chunks, a CRLF cut between two chunks counted once. */
export class LineCounter {
  lines = 0;
  private endedWithCr = false;

  add(chunk: string | Buffer): void {
    if (chunk.length === 0) return;
    this.lines += lineBreaks(chunk);
    if (this.endedWithCr && codeAt(chunk, 0) === LF) this.lines--;
    this.endedWithCr = codeAt(chunk, chunk.length - 1) === CR;
  }
}

const codeAt = (chunk: string | Buffer, i: number) => (typeof chunk === 'string' ? chunk.charCodeAt(i) : chunk[i]);

/** Non-overlapping occurrences of an ASCII needle (in a Buffer, its bytes). */
function occurrences(chunk: string | Buffer, needle: string): number {
  let n = 0;
  for (let i = chunk.indexOf(needle); i !== -1; i = chunk.indexOf(needle, i + needle.length)) n++;
  return n;
}
