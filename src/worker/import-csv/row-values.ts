import type { ColumnInfo } from '../../shared/contract.js';
import type { PermanentCode, Problem } from '../../shared/errors.js';
import { copyJsonKey, copyJsonString, copyJsonStringContent, copyJsonText } from './copy-text.js';
import { jsonbProblem } from './jsonb-problem.js';
import { rowNumberText } from './row-number-text.js';
import type { ConstraintCheck } from './values/constraint-check.js';
import { decimalKey } from './values/decimal-order.js';
import type { ValueParser } from './values/value-parser.js';

const EXCERPT = 200;

/** A stored column as settled at the header: where its cells are, and how each value is read and checked. */
export interface SettledColumn {
  info: ColumnInfo;
  /** The cell's position in each record. */
  source: number;
  /** Typed columns' parser; undefined for string and json. */
  parser: ValueParser | undefined;
  check: ConstraintCheck | undefined;
  notEmpty: boolean;
  unique: boolean;
  /** The type came from the sample, not the plan: a value it cannot read restarts the import with the column as string. */
  inferred: boolean;
}

export type RowProblem = Omit<Problem, 'code'> & { code: PermanentCode };

/** A valid row's COPY text, and the values of its unique columns (column index, comparable key). */
export interface EncodedRow {
  body: string;
  uniqueKeys: [column: number, key: string][] | undefined;
}

/**
 * Turns a record's cells into the row's JSON object as COPY text, or the row's first problem
 * (DESIGN §5, §5.8). The columns are settled once; per row this only calls each column's parser
 * and checks. An inferred column a value contradicts is read on as string and named in
 * `contradicted`, so the pass can restart with it as string.
 */
export class RowValues {
  readonly contradicted = new Set<number>();
  /**
   * Columns whose every value is a JSON string (string columns, as settled): the row's text
   * holds their quotes in `joints`, and only the value goes in between, so a plain cell is
   * appended as it is rather than copied into a quoted string first (per cell, the commonest case).
   */
  private readonly quoted: boolean[];
  /** Before each column's value: the quote closing the one before, if quoted, then `,"key":`, then its opening quote, if quoted. */
  private readonly joints: string[];
  /** After the last value: its closing quote, if quoted, and the brace. */
  private readonly end: string;
  private readonly notEmpty: number[];
  private readonly hasUnique: boolean;

  constructor(
    readonly columns: SettledColumn[],
    private readonly recordWidth: number,
  ) {
    this.quoted = columns.map((c) => c.parser === undefined && c.info.type !== 'json');
    const close = (i: number) => (i >= 0 && this.quoted[i] ? '"' : '');
    this.joints = columns.map((c, i) => `${close(i - 1)}${i === 0 ? '{' : ','}${copyJsonKey(c.info.key)}${close(i)}`);
    this.end = columns.length === 0 ? '{}' : `${close(columns.length - 1)}}`;
    this.notEmpty = columns.flatMap((c, i) => (c.notEmpty ? [i] : []));
    this.hasUnique = columns.some((c) => c.unique);
  }

  encode(cells: readonly string[], row: number, line: number): EncodedRow | RowProblem {
    const width = this.recordWidth;
    if (cells.length > width) {
      const used = trimTrailingEmpty(cells).length;
      if (used > width) {
        return {
          row, line, code: 'COLUMN_COUNT',
          message: `row ${rowNumberText(row)} (line ${rowNumberText(line)}) has ${used} values but the header has ${width} columns`,
          value: excerpt(cells.slice(width).join(',')),
        };
      }
    }
    for (const i of this.notEmpty) {
      const value = cells[this.columns[i]!.source];
      if (value === undefined || value.trim() === '') {
        return this.problem(row, line, i, 'EMPTY_VALUE', ' is empty; it must have a value', value ?? '');
      }
    }
    const columns = this.columns;
    let body = '';
    let uniqueKeys: [number, string][] | undefined;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const value = cells[column.source] ?? '';
      let encoded: string;
      let json: string | undefined;
      if (this.quoted[i]) encoded = copyJsonStringContent(value);
      else if (column.parser !== undefined) {
        if (value === '') encoded = 'null';
        else {
          json = column.parser.parse(value);
          if (json === undefined) {
            if (!column.inferred) return this.problem(row, line, i, 'TYPE_ERROR', `: ${quote(value)} is not ${column.parser.expected}`, value);
            this.readAsString(i);
            encoded = copyJsonString(value);
          } else encoded = json;
        }
      } else if (column.info.type === 'json' && value !== '') {
        const reason = jsonProblem(value, !column.inferred);
        if (reason === undefined) encoded = copyJsonText(value);
        else if (column.inferred) {
          this.readAsString(i);
          encoded = copyJsonString(value);
        } else return this.problem(row, line, i, 'JSON_PARSE_ERROR', `: ${reason}`, value);
      } else encoded = copyJsonString(value);
      if (value !== '') {
        const broken = column.check?.(value, json);
        if (broken) return this.problem(row, line, i, 'CONSTRAINT_ERROR', `: ${quote(value)} ${broken}`, value);
        if (column.unique) (uniqueKeys ??= []).push([i, uniqueKey(column, value, json)]);
      }
      body += this.joints[i]!;
      body += encoded;
    }
    return { body: body + this.end, uniqueKeys: this.hasUnique ? uniqueKeys : undefined };
  }

  /** The problem of a row whose value in `column` repeats the value of an earlier row. */
  duplicate(row: number, line: number, column: number, firstRow: number, cells: readonly string[]): RowProblem {
    const value = cells[this.columns[column]!.source] ?? '';
    return this.problem(row, line, column, 'DUPLICATE_VALUE', `: ${quote(value)} is already the value of row ${rowNumberText(firstRow)}; the column's values must be unique`, value);
  }

  private readAsString(column: number): void {
    // Read on as string: the rest of the file must still be checked, for other columns too.
    this.contradicted.add(column);
    const settled = this.columns[column]!;
    settled.parser = undefined;
    settled.check = undefined;
    settled.info.type = 'string';
    delete settled.info.format;
  }

  /** `what` follows the column's name: `: "1,5" is not a number…`, or ` is empty; …`. */
  private problem(row: number, line: number, column: number, code: PermanentCode, what: string, value: string): RowProblem {
    const name = this.columns[column]!.info.name;
    return {
      row, line, column: name, code,
      message: `row ${rowNumberText(row)} (line ${rowNumberText(line)}), column "${name}"${what}`,
      value: excerpt(value),
    };
  }
}

/** What uniqueness compares: a number's value (`1.50` repeats `1.5`), a date's ISO text, else the cell as written. */
function uniqueKey(column: SettledColumn, value: string, json: string | undefined): string {
  if (json === undefined) return value;
  const type = column.info.type;
  return type === 'number' || type === 'integer' ? decimalKey(json) : type === 'email' || type === 'url' || type === 'uuid' ? value : json;
}

/** Why a json cell cannot be stored, or undefined when it can. */
function jsonProblem(value: string, declared: boolean): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  if (!declared && (typeof parsed !== 'object' || parsed === null)) return 'not a JSON object or array';
  // jsonb refuses some JSON that JSON.parse accepts; one such cell would fail the whole COPY.
  return jsonbProblem(value);
}

function trimTrailingEmpty(cells: readonly string[]): readonly string[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === '') end--;
  return end === cells.length ? cells : cells.slice(0, end);
}

const excerpt = (v: string) => (v.length > EXCERPT ? `${v.slice(0, EXCERPT)}…` : v);
const quote = (v: string) => `"${excerpt(v)}"`;
