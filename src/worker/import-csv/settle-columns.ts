import type { ColumnType, PreviewColumn, SuggestedType } from '../../shared/contract.js';
import type { PlannedColumn } from './column-plan.js';
import { inferTypes } from './infer-types.js';
import type { SettledColumn } from './row-values.js';
import type { CellKind } from './sources/source-record.js';
import { createConstraintCheck } from './values/constraint-check.js';
import { suggestType } from './values/suggest-type.js';
import { createValueParser, type TypedColumn } from './values/value-parser.js';

export interface SettleOptions {
  locale: string | undefined;
  /** `lossless`: undeclared columns take the type their sample proves (DESIGN §5.8). */
  inferTypes: 'none' | 'lossless';
  /** Columns an earlier pass found a value of another type in: string this time. */
  forcedStrings: ReadonlySet<number>;
}

/**
 * Each stored column's type, format, parser and checks, decided once from the plan and the type
 * sample (STYLE §9). A declared type wins; else the type of the sampled cells when the source
 * knows it (`kinds`, a workbook's) and they are all of one typed kind (DESIGN §5.7); else json
 * when every sampled value is a JSON object or array (as always); else, with `inferTypes:
 * "lossless"`, the type the sample proves. Every undeclared column's suggestion is kept for the
 * preview either way. A type from the cells or the sample is `inferred`: a later value of
 * another kind restarts the import with the column as string.
 */
export function settleColumns(
  planned: readonly PlannedColumn[],
  sample: readonly (readonly string[])[],
  opts: SettleOptions,
  kinds?: readonly (readonly (CellKind | undefined)[])[],
): {
  columns: SettledColumn[];
  preview: PreviewColumn[];
} {
  const preview: PreviewColumn[] = [];
  const jsonOrString = inferTypes(planned.length, sample, planned.map((p) => p.type), opts.forcedStrings);
  const columns = planned.map((p, i): SettledColumn => {
    const values = sample.map((row) => row[i] ?? '');
    let type: ColumnType = p.type ?? 'string';
    let format = p.format;
    let suggested: SuggestedType | undefined;
    const fromCells = p.type === undefined && kinds && !opts.forcedStrings.has(i) ? cellsType(kinds.map((row) => row[i])) : undefined;
    if (fromCells) ({ type, format } = suggested = fromCells);
    else if (p.type === undefined) {
      suggested = jsonOrString[i] === 'json' ? { type: 'json' } : suggestType(values, opts.locale);
      if (suggested.type === 'json' || (opts.inferTypes === 'lossless' && !opts.forcedStrings.has(i))) ({ type, format } = suggested);
    }
    // Cells' types are read as the reader renders them, whatever the locale says.
    const locale = fromCells ? undefined : opts.locale;
    const parser = type === 'string' || type === 'json' ? undefined : createValueParser({ name: p.name, type, format } as TypedColumn, locale);
    const info = { key: p.key, name: p.name, type, ...(parser?.format ? { format: parser.format } : {}) };
    preview.push({ ...info, ...(suggested ? { suggested } : {}) });
    return {
      info,
      source: p.source,
      parser,
      check: p.constraints && createConstraintCheck(p.name, type, p.constraints),
      notEmpty: p.notEmpty,
      unique: p.constraints?.unique === true,
      inferred: p.type === undefined,
    };
  });
  return { columns, preview };
}

/** How the workbook reader renders each typed kind (DESIGN §5.7): shortest decimals, ISO, TRUE/FALSE. */
const CELL_TYPES: Partial<Record<CellKind, SuggestedType>> = {
  number: { type: 'number', format: { decimalChar: '.' } },
  date: { type: 'date' },
  datetime: { type: 'datetime' },
  time: { type: 'time' },
  boolean: { type: 'boolean', format: { trueValues: ['TRUE'], falseValues: ['FALSE'] } },
};

/** The type of a column whose sampled cells that hold a value are all of one typed kind. */
function cellsType(kinds: readonly (CellKind | undefined)[]): SuggestedType | undefined {
  let only: CellKind | undefined;
  for (const kind of kinds) {
    if (kind === undefined) continue;
    if (only !== undefined && kind !== only) return undefined;
    only = kind;
  }
  return only && CELL_TYPES[only];
}
