import { ImportError } from '../../../../shared/errors.js';
import type { DecodeStats } from '../../encoding/decode.js';
import type { CellKind, CellProblem, SourceRecord } from '../source-record.js';
import { serialToIso } from './cell-dates.js';
import { normaliseNumber } from './cell-numbers.js';
import { columnLetters, columnNumber } from './cell-reference.js';
import type { DateKind } from './date-formats.js';
import type { MergedCells } from './merged-cells.js';
import { unescapeOoxml } from './ooxml-text.js';
import type { StringTable } from './string-table.js';
import { damaged } from './xml-parts.js';
import { XmlScanner, type ScanVisitor, type ScannedTag } from './xml-scanner.js';

export interface SheetContext {
  sheet: string;
  part: string;
  sharedStrings: StringTable;
  dateStyles: readonly (DateKind | undefined)[];
  date1904: boolean;
  merged: MergedCells;
  /** Told when a cell holds a NUL (written `_x0000_`), which jsonb cannot store: the row stage removes and counts them. */
  stats: DecodeStats;
  /** Rows up to this sheet row number are left out (`csv.skipRows`). */
  skipRows: number;
  maxColumns: number;
  maxRecordBytes: number;
  /** The first this many records carry their cells' kinds (SourceRecord.kinds). */
  kindRows: number;
}

/**
 * Streams a worksheet's rows as records (DESIGN §5.7), a batch per inflated chunk, so memory
 * holds one chunk's rows whatever the sheet's size. A record's line is its sheet row number;
 * cells a row skips (`A1`, then `C1`) are empty; rows without a value are left out, as blank
 * lines are.
 */
export async function* readSheetRecords(chunks: AsyncIterable<Buffer>, context: SheetContext): AsyncGenerator<SourceRecord[]> {
  const reader = new SheetReader(context);
  const parser = new XmlScanner(context.part, SHEET_ELEMENTS, reader);
  for await (const chunk of chunks) {
    parser.write(chunk);
    if (reader.records.length) yield reader.take();
  }
  parser.end();
  if (reader.records.length) yield reader.take();
}

/** The elements a sheet's cells are read from; the scanner passes over every other. */
const SHEET_ELEMENTS = ['c', 'v', 'row', 't', 'f', 'rPh'];

/** The scanner's side: one row's cells at a time. */
class SheetReader implements ScanVisitor {
  records: SourceRecord[] = [];
  private row = 0;
  private cells: string[] = [];
  private problems: CellProblem[] | undefined;
  private kinds: (CellKind | undefined)[] | undefined;
  /** The kind of the cell being read, set with its value; undefined when it has a problem. */
  private kind: CellKind | undefined;
  private recordCount = 0;
  private chars = 0;
  private column = 0;
  private type = '';
  private style = 0;
  private hasFormula = false;
  /** The text of the `<v>` or inline `<t>` being read. */
  private buffer = '';
  private value: string | undefined;
  private inline: string | undefined;
  capturing = false;
  private phonetic = 0;

  constructor(private readonly context: SheetContext) {}

  take(): SourceRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  open(name: string | undefined, tag: ScannedTag): void {
    switch (name) {
      case 'c': {
        const r = tag.attribute('r');
        const style = tag.attribute('s');
        this.column = r ? columnNumber(r) : this.column + 1;
        this.type = tag.attribute('t') ?? 'n';
        this.style = style ? Number(style) : 0;
        this.hasFormula = false;
        this.value = undefined;
        this.inline = undefined;
        return;
      }
      case 'v':
        this.capturing = true;
        this.buffer = '';
        return;
      case 't':
        if (this.type === 'inlineStr' && this.phonetic === 0) {
          this.capturing = true;
          this.buffer = '';
        }
        return;
      case 'f':
        this.hasFormula = true;
        return;
      case 'rPh':
        this.phonetic++;
        return;
      case 'row': {
        const r = tag.attribute('r');
        this.row = r ? Number(r) : this.row + 1;
        this.cells = [];
        this.problems = undefined;
        this.kinds = this.recordCount < this.context.kindRows ? [] : undefined;
        this.chars = 0;
        this.column = 0;
        if (this.context.merged.any) this.context.merged.startRow(this.row);
        return;
      }
    }
  }

  text(t: string): void {
    if (!this.capturing) return;
    this.buffer += t;
    if (this.chars + this.buffer.length > this.context.maxRecordBytes) throw this.tooLarge();
  }

  close(name: string | undefined): void {
    switch (name) {
      case 'v':
        this.value = this.buffer;
        this.capturing = false;
        return;
      case 't':
        if (this.capturing) {
          this.inline = (this.inline ?? '') + this.buffer;
          this.capturing = false;
        }
        return;
      case 'rPh':
        this.phonetic--;
        return;
      case 'c':
        this.closeCell();
        return;
      case 'row':
        this.closeRow();
        return;
    }
  }

  private closeCell(): void {
    const value = this.cellValue();
    if (value === undefined || value === '') return;
    const { context, column } = this;
    if (column > context.maxColumns) {
      throw new ImportError('TOO_MANY_COLUMNS', `cell ${this.reference()} of sheet "${context.sheet}" is in column ${column}; at most ${context.maxColumns} columns are allowed`);
    }
    if (context.merged.any && context.merged.hidden(this.row, column)) return;
    if (!context.stats.sawNul && this.type !== 'n' && value.includes('\0')) context.stats.sawNul = true;
    const cells = this.cells;
    while (cells.length < column - 1) cells.push('');
    cells[column - 1] = value;
    if (this.kinds) this.kinds[column - 1] = this.kind;
    this.chars += value.length + 1;
    if (this.chars > context.maxRecordBytes) throw this.tooLarge();
  }

  /** The cell's value as text; a problem (and "") when the file holds no value to store. */
  private cellValue(): string | undefined {
    const { value } = this;
    this.kind = 'string';
    switch (this.type) {
      case 's': {
        if (value === undefined) return undefined;
        const s = this.context.sharedStrings.get(Number(value));
        if (s === undefined) throw damaged(this.context.part, `cell ${this.reference()} points at text value ${value}, which the workbook does not have`);
        return s;
      }
      case 'inlineStr':
        return this.inline === undefined ? undefined : unescapeOoxml(this.inline);
      case 'str':
        return value === undefined ? this.uncalculated() : unescapeOoxml(value);
      case 'b':
        this.kind = 'boolean';
        return value === undefined ? this.uncalculated() : value === '1' || value === 'true' ? 'TRUE' : 'FALSE';
      case 'e':
        return this.problem(`cell ${this.reference()} holds the error ${value ?? '(none)'}, not a value`, value ?? '');
      case 'd':
        // ISO text as the file wrote it, which this reader does not render: read as text.
        return value;
      default:
        // An empty `<v/>` is no number: some writers leave one for a formula they did not calculate.
        return value === undefined || value === '' ? this.uncalculated() : this.number(value);
    }
  }

  private number(text: string): string {
    const kind = this.context.dateStyles[this.style];
    if (kind) {
      const iso = serialToIso(Number(text), kind, this.context.date1904);
      // A date format on a serial with a time of day renders a datetime (serialToIso).
      this.kind = iso?.includes('T') ? 'datetime' : kind;
      return iso ?? this.problem(`cell ${this.reference()} is formatted as a date, but its number ${text} is no date a calendar has`, text);
    }
    this.kind = 'number';
    return normaliseNumber(text) ?? this.problem(`cell ${this.reference()} should hold a number but holds "${text}"`, text);
  }

  /** A formula whose result the file does not hold: it was written by a program that does not calculate. */
  private uncalculated(): string | undefined {
    if (!this.hasFormula) return undefined;
    return this.problem(
      `cell ${this.reference()} holds a formula whose result was never calculated (the file was not saved by a spreadsheet program); open it in one and save it again`,
      '',
    );
  }

  /** Records why the cell has no value; the row is never stored, and its report keeps the cell as the file had it. */
  private problem(reason: string, value: string): string {
    this.kind = undefined;
    (this.problems ??= []).push({ position: this.column - 1, cell: this.reference(), reason, value });
    return value;
  }

  private closeRow(): void {
    const { cells } = this;
    if ((cells.length === 0 && !this.problems) || this.row <= this.context.skipRows) return;
    const bytes = this.chars;
    // Characters bound bytes from below; only a row near the limit is measured in UTF-8.
    if (3 * bytes > this.context.maxRecordBytes && byteLength(cells) > this.context.maxRecordBytes) throw this.tooLarge();
    this.recordCount++;
    // One shape for every record (absent parts undefined): spreading optional parts cost a copy per row.
    this.records.push({ cells, line: this.row, bytes, problems: this.problems, kinds: this.kinds });
  }

  /** Characters are counted as the row is read (no more bytes than they), so a row is stopped as it passes the limit. */
  private tooLarge(): ImportError {
    return new ImportError('RECORD_TOO_LARGE', `row ${this.row} of sheet "${this.context.sheet}" is larger than the limit of ${this.context.maxRecordBytes} bytes`);
  }

  private reference(): string {
    return `${columnLetters(this.column)}${this.row}`;
  }
}

const byteLength = (cells: string[]) => cells.reduce((n, c) => n + Buffer.byteLength(c) + 1, 0);
