import type { ColumnType, PreviewColumn, SuggestedType } from '../../shared/contract.js';
import type { PlannedColumn } from './column-plan.js';
import { inferTypes } from './infer-types.js';
import type { SettledColumn } from './row-values.js';
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
 * sample (STYLE §9). A declared type wins (a source that knows its cells' types declares them the
 * same way); else json when every sampled value is a JSON object or array (as always); else,
 * with `inferTypes: "lossless"`, the type the sample proves. Every undeclared column's
 * suggestion is kept for the preview either way.
 */
export function settleColumns(planned: readonly PlannedColumn[], sample: readonly (readonly string[])[], opts: SettleOptions): {
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
    if (p.type === undefined) {
      suggested = jsonOrString[i] === 'json' ? { type: 'json' } : suggestType(values, opts.locale);
      if (suggested.type === 'json' || (opts.inferTypes === 'lossless' && !opts.forcedStrings.has(i))) ({ type, format } = suggested);
    }
    const parser = type === 'string' || type === 'json' ? undefined : createValueParser({ name: p.name, type, format } as TypedColumn, opts.locale);
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

