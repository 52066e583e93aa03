import type { ColumnInfo, ColumnType } from '../../shared/contract.js';

/**
 * Header names as shown to users, and the keys rows are stored under. Names are trimmed (NULs
 * and NBSP too); an empty name becomes `column_N`; repeated names get ` (2)`, ` (3)`. Keys are
 * snake_case ASCII slugs, unique per list.
 */
export function buildColumns(rawNames: readonly string[], types: readonly ColumnType[] = []): ColumnInfo[] {
  const names = uniqueNames(rawNames.map((n, i) => cleanName(n) || `column_${i + 1}`));
  const keys = uniqueKeys(names.map((n, i) => slugify(n) || `column_${i + 1}`));
  return names.map((name, i) => ({ key: keys[i]!, name, type: types[i] ?? 'string' }));
}

/** Names for a file without a header row. */
export const positionalNames = (count: number) => Array.from({ length: count }, (_, i) => `column_${i + 1}`);

function cleanName(raw: string): string {
  return raw.replace(/\0/g, '').replace(/^[\s\u00a0\ufeff]+|[\s\u00a0\ufeff]+$/g, '');
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n === 1) return name;
    let k = n;
    while (taken.has(`${name} (${k})`)) k++;
    const renamed = `${name} (${k})`;
    taken.add(renamed);
    seen.set(name, k);
    return renamed;
  });
}

/** snake_case ASCII: accents folded (é → e), other letters dropped, runs of the rest → `_`. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 63);
}

function uniqueKeys(keys: string[]): string[] {
  const taken = new Set<string>();
  return keys.map((key) => {
    let candidate = key;
    for (let n = 2; taken.has(candidate); n++) candidate = `${key}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}
