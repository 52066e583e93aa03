import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLIENT = join(ROOT, 'packages/client/src');
const CONTRACT = 'src/shared/contract.ts';
// Compiled into the package for its `/schema` entry (DESIGN §13), and reaching only drizzle-orm and the contract.
const SCHEMA = 'src/shared/db/schema.ts';
// Every form of import and re-export (at a statement's start, so no string is taken for one), and import().
const SPECIFIERS = [
  /^\s*(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Each import of a file: a path from the repo's root (relative ones resolved, `.js` read as the `.ts` it is) or a package name. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return SPECIFIERS.flatMap((pattern) => [...text.matchAll(pattern)]).map(([, spec]) =>
    spec!.startsWith('.') ? relative(ROOT, resolve(dirname(path), spec!)).replace(/\.js$/, '.ts') : spec!,
  );
}

describe('the client is a separate door (DESIGN §13, STYLE §9)', () => {
  const files = sourceFiles(CLIENT);

  it('has files to check', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['packages/client/src/index.ts', 'packages/client/src/lists/index.ts']));
  });

  it('imports nothing of the server but the contract and the list tables, and no package but its own dependencies and peers', () => {
    const allowed = (spec: string) =>
      spec.startsWith('packages/client/src/') || spec === CONTRACT || spec === SCHEMA || ['@upstash/qstash', '@upstash/redis', 'zod', 'pg'].includes(spec);
    const offenders = files.flatMap((f) => importsOf(f).filter((spec) => !allowed(spec)).map((spec) => `${relative(ROOT, f)} → ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('reaches, through the contract, only zod and iconv-lite', () => {
    expect(importsOf(join(ROOT, CONTRACT)).sort()).toEqual(['iconv-lite', 'zod']);
  });

  it('reaches, through the list tables, only drizzle-orm and the contract', () => {
    expect([...new Set(importsOf(join(ROOT, SCHEMA)))].sort()).toEqual(['drizzle-orm', 'drizzle-orm/pg-core', CONTRACT]);
  });
});
