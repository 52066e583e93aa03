import { CsvError, type Info } from 'csv-parse';

/**
 * The quoting rules csv-parse's `relax_quotes` does not keep (DESIGN §5, docs/FILES.md "Quotes"),
 * added to its parser core without touching the loop it runs per character.
 *
 * `relax_quotes` is needed for a quote inside an unquoted field (`5" disk`), which stays text as
 * a spreadsheet program reads it. But it also lets a quoted value run on after a quote that does
 * not close it (`"b,"c`, or `"b,c` whose quote closes a line later as `d"e`): csv-parse then puts
 * the opening quote back and reads on as unquoted text, which merged lines into one cell and kept
 * quotes in values, silently. It does that in one place, by prepending the quote to the field: we
 * watch that call, and when the record is complete we decide. Blanks after the closing quote
 * (`"B" ,C`) are read as LibreOffice and Excel read them, the quoted text then the blanks (`B `);
 * any other text is CSV_MALFORMED naming the line, because spreadsheet programs disagree there
 * and so does LibreOffice with itself (`"a"b"c",d` gives `a"b"c`, `"b,"c` gives `"b` and `"c`).
 */
export interface QuotingCore {
  info: Info;
  options: { quote: Buffer | null; escape: Buffer | null; encoding: BufferEncoding | null };
  state: {
    record: unknown[];
    enabled: boolean;
    field: { prepend(value: Buffer | number): void; toString(encoding?: BufferEncoding | null): unknown };
  };
  __isEscape(buf: Buffer, pos: number, chr: number): boolean;
  __isQuote(buf: Buffer, pos: number): boolean;
}

/** A quoted value closed early in the record being read: its cell and what the quotes held. */
interface ClosedEarly {
  cell: number;
  quoted: string;
}

const BLANKS = /^[ \t]*$/;
const EXCERPT = 60;

export class StrictQuotes {
  private closedEarly: ClosedEarly[] = [];
  private readonly quote: string;

  constructor(private readonly core: QuotingCore) {
    this.quote = core.options.quote?.toString() ?? '';
    const field = core.state.field;
    const prepend = field.prepend;
    field.prepend = (value) => {
      // Lines before `from_line` are parsed but never become records.
      if (core.state.enabled) {
        this.closedEarly.push({ cell: core.state.record.length, quoted: field.toString(core.options.encoding ?? 'utf8') as string });
      }
      prepend.call(field, value);
    };
    escapeOnlyQuotes(core);
  }

  /**
   * Settles a complete record's quoting, in place: a quoted value followed by blanks becomes its
   * text and the blanks; anything else that followed a closing quote, or a quote after leading
   * blanks, throws. Cheap for a record without either: one length check, one test per cell.
   */
  check(record: string[]): void {
    if (this.closedEarly.length) this.settleClosedEarly(record);
    for (let i = 0; i < record.length; i++) {
      const c = record[i]!.charCodeAt(0);
      if (c === 32 || c === 9) this.checkLeadingBlanks(record, i);
    }
  }

  private settleClosedEarly(record: string[]): void {
    const found = this.closedEarly;
    this.closedEarly = [];
    for (const { cell, quoted } of found) {
      const after = record[cell]!.slice(quoted.length + 2 * this.quote.length);
      if (!BLANKS.test(after)) throw this.malformed('CSV_INVALID_CLOSING_QUOTE', record, cell, quoted.length);
      record[cell] = quoted + after;
    }
  }

  /**
   * A quote after nothing but blanks opens a quoted value for LibreOffice (` "b,c"` is `b,c`);
   * csv-parse reads the quote as text and splits at the comma. Without knowing which the writer
   * meant, the file is refused. An unquoted cell reaches here only so (a quoted one keeps its
   * blanks inside the quotes, and the rare ` "x"` written as `" ""x"""` is refused too).
   */
  private checkLeadingBlanks(record: string[], cell: number): void {
    const value = record[cell]!;
    const start = value.length - value.trimStart().length;
    if (value.startsWith(this.quote, start)) throw this.malformed('INVALID_OPENING_QUOTE', record, cell, 0);
  }

  private malformed(code: 'CSV_INVALID_CLOSING_QUOTE' | 'INVALID_OPENING_QUOTE', record: string[], cell: number, quotedLength: number): CsvError {
    const value = record[cell]!;
    const before = record.slice(0, cell).reduce((n, c) => n + lineBreaks(c), 0);
    return new CsvError(code, describe(code, cell, value, this.quote), undefined, {
      empty_lines: this.core.info.empty_lines,
      // Lines from the record's first to the one the fault is on.
      quote_line_offset: before + lineBreaks(value.slice(0, quotedLength + 1)),
      value_line_offset: before,
    });
  }
}

function describe(code: string, cell: number, value: string, quote: string): string {
  const shown = JSON.stringify(value.length > EXCERPT ? `${value.slice(0, EXCERPT)}…` : value);
  if (code === 'INVALID_OPENING_QUOTE') {
    return `column ${cell + 1} starts with blanks and then a quote (${shown}): spreadsheet programs read a quoted value there, ` +
      `this file may split it elsewhere; remove the blanks before the quote`;
  }
  return `in column ${cell + 1}, text follows the closing quote of a quoted value (${shown}); ` +
    `a quote inside a quoted value must be doubled (${quote}${quote}), and the value must end at its closing quote`;
}

/** Line breaks in a value (CRLF, LF or CR: one each). */
function lineBreaks(value: string): number {
  return value.match(/\r\n|\n|\r/g)?.length ?? 0;
}

/**
 * An escape character escapes a quote or itself, nothing else (`"c\d"` keeps its backslash):
 * csv-parse drops it before any character. Only an escape other than the quote needs this; a
 * doubled quote is csv-parse's own rule. Its escape check runs inside quoted values only.
 */
function escapeOnlyQuotes(core: QuotingCore): void {
  const { escape, quote } = core.options;
  if (!escape || !quote || escape.equals(quote)) return;
  const isEscape = core.__isEscape;
  core.__isEscape = function (this: QuotingCore, buf, pos, chr) {
    if (!isEscape.call(this, buf, pos, chr)) return false;
    const next = pos + escape.length;
    return this.__isQuote(buf, next) || isEscape.call(this, buf, next, buf[next]!);
  };
}

/** Whether csv-parse's error is one of the quoting rules above. */
export function isQuoteRuleError(err: CsvError): boolean {
  return err.code === 'CSV_INVALID_CLOSING_QUOTE' || err.code === 'INVALID_OPENING_QUOTE';
}

/** The message for a quoting rule's error, given the line its record starts on. */
export function quoteRuleMessage(err: CsvError, recordLine: number): string {
  const quoteLine = recordLine + Number(err['quote_line_offset'] ?? 0);
  const valueLine = recordLine + Number(err['value_line_offset'] ?? 0);
  const where = quoteLine === valueLine ? `line ${quoteLine}` : `line ${quoteLine} (the quoted value opens on line ${valueLine}; the lines are not read as one value)`;
  return `the file is not valid CSV at ${where}: ${err.message}`;
}
