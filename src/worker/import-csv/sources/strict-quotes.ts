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
 * watch that call, and when the record is complete we decide. Where csv-parse's reading can be
 * turned into LibreOffice's (the value still ends with its own closing quote on that line), the
 * value is LibreOffice's; anywhere else the file is CSV_MALFORMED naming the line, because no
 * reading is safe there: LibreOffice itself reads `"b,"c` as two cells `"b` and `"c`, and joins
 * lines after a quote that did not close a value only when a later quote happens to close it.
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

const BLANKS = /^ *$/;
const LEADING_BLANKS = /^ */;
const LINE_BREAK = /[\r\n]/;
const EXCERPT = 60;

export class StrictQuotes {
  private closedEarly: ClosedEarly[] = [];
  private readonly quote: string;
  /** The last quote of a value and the spaces after it. */
  private readonly closing: RegExp;
  private readonly escapeIsOther: boolean;

  constructor(private readonly core: QuotingCore) {
    const { quote, escape } = core.options;
    this.quote = quote?.toString() ?? '';
    this.closing = new RegExp(`${this.quote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( *)$`);
    this.escapeIsOther = !!escape && !!quote && !escape.equals(quote);
    const field = core.state.field;
    const prepend = field.prepend;
    field.prepend = (value) => {
      // Lines before `from_line` are parsed but never become records.
      if (core.state.enabled) {
        this.closedEarly.push({ cell: core.state.record.length, quoted: field.toString(core.options.encoding ?? 'utf8') as string });
      }
      prepend.call(field, value);
    };
    if (this.escapeIsOther) escapeOnlyQuotes(core);
  }

  /**
   * Settles a complete record's quoting, in place (see `asSpreadsheetReads`); a value that cannot
   * be read so, or a quote after leading spaces, throws. Blanks are spaces, as for LibreOffice: a
   * tab before an opening quote or after a closing one is text to it. Cheap for a record without either: one length check, one test per cell.
   */
  check(record: string[]): void {
    if (this.closedEarly.length) this.settleClosedEarly(record);
    for (let i = 0; i < record.length; i++) {
      if (record[i]!.charCodeAt(0) === 32) this.checkLeadingBlanks(record, i);
    }
  }

  private settleClosedEarly(record: string[]): void {
    const found = this.closedEarly;
    this.closedEarly = [];
    for (const { cell, quoted } of found) {
      const value = this.asSpreadsheetReads(quoted, record[cell]!.slice(quoted.length + 2 * this.quote.length));
      if (value === undefined) throw this.malformed('CSV_INVALID_CLOSING_QUOTE', record, cell, quoted.length);
      record[cell] = value;
    }
  }

  /**
   * The value LibreOffice reads from a quoted value whose quote was followed by `after` rather
   * than a delimiter: a quote inside quotes is text unless a delimiter or the line end (spaces
   * allowed) follows it, so `"Pedro "the" legend"` is `Pedro "the" legend` and `"B" ,C` is `B `.
   * Undefined where csv-parse's reading cannot be turned into that one: the value did not end
   * with a quote before the next delimiter (csv-parse split it there, `"b,"c`), it had opened on
   * an earlier line (the two lines would be one value, `"b,c` / `d"e`), or an escape other than
   * the quote was in play (the text after it was read without escapes).
   */
  private asSpreadsheetReads(quoted: string, after: string): string | undefined {
    if (BLANKS.test(after)) return quoted + after;
    const end = this.closing.exec(after);
    if (!end || this.escapeIsOther || LINE_BREAK.test(quoted)) return undefined;
    const inside = after.slice(0, end.index);
    return quoted + this.quote + inside.replaceAll(this.quote + this.quote, this.quote) + end[1];
  }

  /**
   * A quote after nothing but spaces opens a quoted value for LibreOffice (` "b,c"` is `b,c`);
   * csv-parse reads the quote as text and splits at the comma. Without knowing which the writer
   * meant, the file is refused. An unquoted cell reaches here only so (a quoted one keeps its
   * spaces inside the quotes, and the rare ` "x"` written as `" ""x"""` is refused too).
   */
  private checkLeadingBlanks(record: string[], cell: number): void {
    const value = record[cell]!;
    const start = LEADING_BLANKS.exec(value)![0].length;
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
    return `column ${cell + 1} starts with spaces and then a quote (${shown}): spreadsheet programs read a quoted value there, ` +
      `this file may split it elsewhere; remove the spaces before the quote`;
  }
  const fix = `double each quote that belongs to the value (${quote}${quote}) and end the value with a quote`;
  if (LINE_BREAK.test(value)) {
    return `in column ${cell + 1}, a quoted value that runs over lines goes on after a quote that does not close it (${shown}); ${fix}`;
  }
  return `in column ${cell + 1}, a quoted value goes on after a quote that does not close it, and it does not end with a quote ` +
    `before the next delimiter (${shown}); ${fix}`;
}

/** Line breaks in a value (CRLF, LF or CR: one each). */
function lineBreaks(value: string): number {
  return value.match(/\r\n|\n|\r/g)?.length ?? 0;
}

/**
 * An escape character escapes a quote or itself, nothing else (`"c\d"` keeps its backslash):
 * csv-parse drops it before any character. Only an escape other than the quote needs this (a
 * doubled quote is csv-parse's own rule); its escape check runs inside quoted values only.
 */
function escapeOnlyQuotes(core: QuotingCore): void {
  const escape = core.options.escape!;
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
