/**
 * A minimal RFC 4180 parser, for bench/parser-cost.ts only: it measures what parsing the bench
 * CSV costs when fields are cut straight out of the input bytes, against csv-parse (which copies
 * every field byte by byte into its own buffer first). Production parses with csv-parse.
 *
 * It reads what the worker's csv-parse options read on clean input: `,` delimiter, `"` quotes
 * with `""` escapes, CRLF/LF/CR record ends (kept verbatim inside quotes), blank lines skipped,
 * records of any width. It has none of csv-parse's leniency or limits: a closing quote followed
 * by anything but a delimiter or a line end (which relax_quotes keeps as text) and an unclosed
 * quote at the end are errors, and there is no record size limit and no line counting.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

// Where the parser stands between two bytes.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Just after a quote inside a quoted field: an escape if another quote follows, else the close. */
const QUOTED_QUOTE = 3;
/** Just after a CR that ended a record: an LF here belongs to it. */
const AFTER_CR = 4;

export class MinimalCsvParser {
  private state = FIELD_START;
  private record: string[] = [];
  /** The unfinished field's undecoded bytes at the end of a chunk: kept as bytes, since a chunk may end inside a UTF-8 character. */
  private pending: Buffer | undefined;
  /** A quoted field decoded so far, up to its last `""` escape. */
  private value = '';

  constructor(private readonly onRecord: (record: string[]) => void) {}

  write(chunk: Buffer): void {
    let buf = chunk;
    let i = 0;
    if (this.pending) {
      // Resume where the last chunk stopped. An unquoted field is scanned again from its start:
      // it is short, and no state needs carrying. A quoted one resumes after the carried bytes.
      buf = Buffer.concat([this.pending, chunk]);
      i = this.state === UNQUOTED ? 0 : this.pending.length;
      this.pending = undefined;
    }
    const n = buf.length;
    let state = this.state;
    let start = 0;
    while (i < n) {
      if (state === QUOTED) {
        // The one search a quoted field needs; indexOf runs natively, without a per-byte loop.
        const q = buf.indexOf(QUOTE, i);
        if (q === -1) {
          i = n;
          break;
        }
        i = q + 1;
        state = QUOTED_QUOTE;
        continue;
      }
      if (state === QUOTED_QUOTE) {
        const c = buf[i]!;
        if (c === QUOTE) {
          // `""`: keep the first quote, drop the second. Cutting at a quote never splits a character.
          this.value += buf.toString('utf8', start, i);
          start = ++i;
          state = QUOTED;
          continue;
        }
        this.record.push(this.value + buf.toString('utf8', start, i - 1));
        this.value = '';
        state = this.afterField(c);
        start = ++i;
        continue;
      }
      if (state === AFTER_CR) {
        if (buf[i] === LF) i++;
        state = FIELD_START;
        continue;
      }
      if (state === FIELD_START) {
        start = i;
        if (buf[i] === QUOTE) {
          start = ++i;
          state = QUOTED;
          continue;
        }
        state = UNQUOTED;
      }
      // UNQUOTED: a quote here is text, as with relax_quotes.
      let c = 0;
      while (i < n && (c = buf[i]!) !== COMMA && c !== LF && c !== CR) i++;
      if (i === n) break;
      if (c !== COMMA && i === start && this.record.length === 0) {
        // A blank line: skipped, like skip_empty_lines.
        state = c === CR ? AFTER_CR : FIELD_START;
      } else {
        this.record.push(buf.toString('utf8', start, i));
        state = this.afterField(c);
      }
      i++;
    }
    this.state = state;
    if (state === UNQUOTED || state === QUOTED || state === QUOTED_QUOTE) this.pending = buf.subarray(start);
  }

  end(): void {
    const { state } = this;
    if (state === QUOTED) throw new Error('minimal-csv: a quoted field is never closed');
    const rest = this.pending ?? Buffer.alloc(0);
    if (state === QUOTED_QUOTE) this.record.push(this.value + rest.toString('utf8', 0, rest.length - 1));
    else if (state === UNQUOTED) this.record.push(rest.toString('utf8'));
    // A trailing delimiter ends the file with an empty field.
    else if (state === FIELD_START && this.record.length) this.record.push('');
    if (this.record.length) this.onRecord(this.record);
    this.record = [];
    this.pending = undefined;
    this.value = '';
    this.state = FIELD_START;
  }

  /** After a field that ended at byte `c`: the next state, emitting the record at a line end. */
  private afterField(c: number): number {
    if (c === COMMA) return FIELD_START;
    if (c === LF || c === CR) {
      this.onRecord(this.record);
      this.record = [];
      return c === CR ? AFTER_CR : FIELD_START;
    }
    throw new Error(`minimal-csv: byte 0x${c.toString(16)} after a closing quote`);
  }
}
