import type { ColumnType } from '../../shared/contract.js';
import { jsonbProblem } from './jsonb-problem.js';

export const SAMPLE_ROWS = 1000;
/**
 * The sample is held in memory until types are settled: with records of up to MAX_RECORD_BYTES,
 * 1,000 rows could be a gigabyte. Types are settled early once the sample holds this much: each
 * record's bytes (delimiters included), and SAMPLE_CELL_BYTES for each of its cells, which is
 * what a cell costs held in a row's array (its slot and its string's header), empty or not: a
 * row of 200,000 commas is 200,000 entries.
 */
export const SAMPLE_MAX_BYTES = 16 * 1024 * 1024;
export const SAMPLE_CELL_BYTES = 32;

/**
 * A cell counts as JSON for inference when it is an object or array that parses and that jsonb
 * stores with the same meaning: not when it holds a key twice (jsonb keeps only the last value)
 * or anything jsonb refuses (DESIGN §4).
 */
export function isJsonContainer(value: string): boolean {
  const first = value.trimStart()[0];
  if (first !== '{' && first !== '[') return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && jsonbProblem(value) === undefined;
  } catch {
    return false;
  }
}

/**
 * Column types from a sample of rows: a hinted type wins; otherwise `json` when every non-empty
 * sampled value is a JSON object or array (and there is at least one), else `string`. `forced`
 * holds columns an earlier pass found a non-JSON value in.
 */
export function inferTypes(
  columnCount: number,
  sample: readonly (readonly string[])[],
  hints: readonly (ColumnType | undefined)[],
  forcedStrings: ReadonlySet<number>,
): ColumnType[] {
  return Array.from({ length: columnCount }, (_, i) => {
    const hinted = hints[i];
    if (hinted) return hinted;
    if (forcedStrings.has(i)) return 'string';
    let seen = false;
    for (const row of sample) {
      const v = row[i];
      if (v === undefined || v === '') continue;
      if (!isJsonContainer(v)) return 'string';
      seen = true;
    }
    return seen ? 'json' : 'string';
  });
}
