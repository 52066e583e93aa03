import type { ColumnConstraints, ColumnFormat, ColumnSpec, ColumnType, UnmappedColumns } from '../../shared/contract.js';
import { ImportError } from '../../shared/errors.js';
import { buildColumns, slugify } from './header.js';

/** One stored column: where its cells are in a record, what it is called, and what it must hold. */
export interface PlannedColumn {
  /** The cell's position in each record. */
  source: number;
  /** The header as written (trimmed, repeats numbered): what list_columns.name keeps. */
  name: string;
  key: string;
  /** The plan's type; undefined leaves it to inference. */
  type: ColumnType | undefined;
  /** How the file spells the values of a typed column; undefined: the locale's, else ISO and `.` decimal. */
  format?: ColumnFormat;
  notEmpty: boolean;
  constraints?: ColumnConstraints;
}

export interface ColumnPlanRequest {
  columns?: readonly ColumnSpec[];
  unmappedColumns?: UnmappedColumns;
}

/** How many names an error message lists before it says "and N more". */
const NAMES_SHOWN = 10;

/**
 * The column plan resolved against the header row, once, before any row is written (DESIGN
 * §5.2, STYLE §9): which cells are stored, in which order, under which keys, with which checks.
 * Without a plan every column is kept as the header names it. `line` is the header's line.
 */
export function resolveColumnPlan(rawNames: readonly string[], request: ColumnPlanRequest, line: number): PlannedColumn[] {
  const built = buildColumns(rawNames);
  const specs = request.columns ?? [];
  if (!specs.length) return built.map((c, i) => ({ source: i, name: c.name, key: c.key, type: undefined, notEmpty: false }));

  const matchOf = matchHeaders(rawNames, built.map((c) => c.name), specs, line);
  const missing = specs.filter((s, i) => s.required && !matchOf.has(i));
  if (missing.length) {
    throw new ImportError(
      'MISSING_COLUMNS',
      `the header row (line ${line}) has no ${missing.length === 1 ? 'column' : 'columns'} ${listed(missing.map(describeSpec))}; ` +
        `it has ${listed(built.map((c) => `"${c.name}"`))}`,
    );
  }
  const specOf = new Map([...matchOf].map(([spec, header]) => [header, spec]));
  const unmapped = built.filter((_, i) => !specOf.has(i));
  if (unmapped.length && request.unmappedColumns === 'fail') {
    throw new ImportError(
      'UNEXPECTED_COLUMNS',
      `the header row (line ${line}) has ${unmapped.length === 1 ? 'a column' : 'columns'} the import does not expect: ${listed(unmapped.map((c) => `"${c.name}"`))}`,
    );
  }
  const kept = built.flatMap((c, i) => {
    const spec = specOf.get(i);
    if (spec === undefined && request.unmappedColumns === 'drop') return [];
    return [{ source: i, name: c.name, spec: spec === undefined ? undefined : specs[spec] }];
  });
  const keys = plannedKeys(kept.map((k) => ({ key: k.spec?.key, name: k.name, source: k.source })));
  return kept.map((k, i) => ({
    source: k.source, name: k.name, key: keys[i]!, type: k.spec?.type, notEmpty: k.spec?.notEmpty === true,
    ...(k.spec?.format ? { format: k.spec.format } : {}),
    ...(k.spec?.constraints ? { constraints: k.spec.constraints } : {}),
  }));
}

/**
 * Which header each entry matched (entry index → header index). Two headers matching one entry,
 * or one header matching two entries, is AMBIGUOUS_COLUMNS: guessing would store a column under
 * the wrong key. A header matches by its cell as written, or by its numbered name for a repeat
 * ("Notes (2)"), so a plan can still pick one of two same-named columns.
 */
function matchHeaders(rawNames: readonly string[], names: readonly string[], specs: readonly ColumnSpec[], line: number): Map<number, number> {
  const entriesByName = new Map<string, Set<number>>();
  specs.forEach((spec, i) => {
    for (const n of [spec.name, ...(spec.aliases ?? [])]) {
      const k = matchKey(n);
      entriesByName.set(k, (entriesByName.get(k) ?? new Set()).add(i));
    }
  });
  const matchOf = new Map<number, number>();
  names.forEach((name, header) => {
    const entries = new Set([...(entriesByName.get(matchKey(rawNames[header] ?? '')) ?? []), ...(entriesByName.get(matchKey(name)) ?? [])]);
    if (entries.size > 1) {
      throw new ImportError(
        'AMBIGUOUS_COLUMNS',
        `column "${name}" of the header row (line ${line}) matches more than one planned column: ${listed([...entries].map((e) => describeSpec(specs[e]!)))}`,
      );
    }
    const [entry] = entries;
    if (entry === undefined) return;
    const other = matchOf.get(entry);
    if (other !== undefined) {
      throw new ImportError(
        'AMBIGUOUS_COLUMNS',
        `columns "${names[other]}" and "${name}" of the header row (line ${line}) both match the planned column ${describeSpec(specs[entry]!)}; rename one of them`,
      );
    }
    matchOf.set(entry, header);
  });
  return matchOf;
}

/**
 * Names as the plan compares them (DESIGN §5.2): trimmed, whitespace runs as one space, case
 * folded (full folding: "STRASSE" matches "Straße"), accents of Latin letters ignored. Marks of
 * other scripts are part of their letters and stay.
 */
export function matchKey(name: string): string {
  return name
    .replaceAll('\0', '')
    .normalize('NFKD')
    .replace(/(?<=\p{Script=Latin})\p{M}+/gu, '')
    .normalize('NFC')
    .replace(/\s+/gu, ' ')
    .trim()
    .toUpperCase()
    .toLowerCase();
}

/** The plan's keys first, then each other column's slug, made unique against all of them. */
function plannedKeys(columns: readonly { key: string | undefined; name: string; source: number }[]): string[] {
  const taken = new Set(columns.flatMap((c) => (c.key === undefined ? [] : [c.key])));
  return columns.map((c) => {
    if (c.key !== undefined) return c.key;
    const base = slugify(c.name) || `column_${c.source + 1}`;
    let key = base;
    for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
    taken.add(key);
    return key;
  });
}

const describeSpec = (spec: ColumnSpec) =>
  spec.aliases?.length ? `"${spec.name}" (or ${spec.aliases.map((a) => `"${a}"`).join(', ')})` : `"${spec.name}"`;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, NAMES_SHOWN).join(', ');
  return items.length > NAMES_SHOWN ? `${shown} and ${items.length - NAMES_SHOWN} more` : shown;
}
