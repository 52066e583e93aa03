import type { ColumnFormat, ColumnType } from '../../../shared/contract.js';
import { ImportError } from '../../../shared/errors.js';
import { copyJsonString } from '../copy-text.js';
import { booleanParser } from './boolean-value.js';
import { dateTimeParser } from './date-time-value.js';
import { localeSpelling } from './locale-spelling.js';
import { canonicalNumber, type NumberSpelling } from './number-value.js';
import { isEmail, isUrl, isUuid } from './string-formats.js';

/**
 * One column's value parser, chosen once at the header (STYLE §9): the row loop calls `parse`
 * and never reads the format again. Never called for an empty cell (null in typed columns).
 */
export interface ValueParser {
  readonly type: ColumnType;
  /** How the file spells the values, as `list_columns.format` and the result show it. */
  readonly format: ColumnFormat | undefined;
  /** What a value must look like, for TYPE_ERROR: `a number with "." as decimal separator`. */
  readonly expected: string;
  /** The stored value as COPY-ready JSON text, or undefined when the value is not of this type. */
  parse(value: string): string | undefined;
}

/** A typed column as the plan (or a source that knows its cells' types) declares it. */
export interface TypedColumn {
  name: string;
  type: Exclude<ColumnType, 'string' | 'json'>;
  format?: ColumnFormat;
}

const NUMBER_KEYS = ['decimalChar', 'groupChar', 'bareNumber'] as const;
const KEYS_OF: Record<TypedColumn['type'], readonly (keyof ColumnFormat)[]> = {
  number: NUMBER_KEYS,
  integer: NUMBER_KEYS,
  boolean: ['trueValues', 'falseValues'],
  date: ['pattern'],
  datetime: ['pattern'],
  time: ['pattern'],
  email: [],
  url: [],
  uuid: [],
};

/**
 * The parser of a typed column: its declared format, else what `csv.locale` says (decimal and
 * group characters, day before or after month), else `.` decimal, no group, ISO 8601 (DESIGN
 * §5.8). A format that cannot work is INVALID_OPTIONS naming the column, before any row.
 */
export function createValueParser(column: TypedColumn, locale: string | undefined): ValueParser {
  const format = column.format ?? {};
  const stray = Object.keys(format).filter((k) => !KEYS_OF[column.type].includes(k as keyof ColumnFormat));
  if (stray.length) {
    throw new ImportError('INVALID_OPTIONS', `column "${column.name}" is of type ${column.type}, which takes no format ${stray.map((k) => `"${k}"`).join(', ')}`);
  }
  switch (column.type) {
    case 'number':
    case 'integer':
      return numberParser(column, format, locale);
    case 'boolean':
      return booleanParser(column.name, format);
    case 'date':
    case 'datetime':
    case 'time':
      return dateTimeParser(column.name, column.type, format.pattern, locale);
    case 'email':
      return checkedString('email', 'an email address', isEmail);
    case 'url':
      return checkedString('url', 'an http or https URL', isUrl);
    case 'uuid':
      return checkedString('uuid', 'a UUID (8-4-4-4-12 hexadecimal digits)', isUuid);
  }
}

function numberParser(column: TypedColumn, format: ColumnFormat, locale: string | undefined): ValueParser {
  const fromLocale = locale && format.decimalChar === undefined && format.groupChar === undefined ? localeSpelling(locale) : undefined;
  const spelling: NumberSpelling = {
    decimalChar: format.decimalChar ?? fromLocale?.decimalChar ?? '.',
    groupChar: format.groupChar ?? fromLocale?.groupChar,
    bareNumber: format.bareNumber ?? true,
    integer: column.type === 'integer',
  };
  if (spelling.decimalChar === spelling.groupChar) {
    throw new ImportError('INVALID_OPTIONS', `column "${column.name}": the group character "${spelling.groupChar}" is also the decimal separator`);
  }
  const kind = column.type === 'integer' ? 'a whole number' : `a number with "${spelling.decimalChar}" as decimal separator`;
  const group = spelling.groupChar === undefined ? '' : ` ${column.type === 'integer' ? 'with' : 'and'} "${spelling.groupChar}" between groups of three digits`;
  const signs = spelling.bareNumber ? '' : ' (currency and percent signs allowed)';
  return {
    type: column.type,
    format: {
      decimalChar: spelling.decimalChar,
      ...(spelling.groupChar === undefined ? {} : { groupChar: spelling.groupChar }),
      ...(spelling.bareNumber ? {} : { bareNumber: false }),
    },
    expected: `${kind}${group}${signs}`,
    parse: (value) => canonicalNumber(value, spelling),
  };
}

function checkedString(type: 'email' | 'url' | 'uuid', expected: string, check: (value: string) => boolean): ValueParser {
  return { type, format: undefined, expected, parse: (value) => (check(value) ? copyJsonString(value) : undefined) };
}
