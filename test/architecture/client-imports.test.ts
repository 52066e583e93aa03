import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src', import.meta.url).pathname;
const CLIENT = join(SRC, 'client');
const CONTRACT = 'shared/contract.ts';
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

/** Each import of a file: a path under src (relative ones resolved, `.js` read as the `.ts` it is) or a package name. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return SPECIFIERS.flatMap((pattern) => [...text.matchAll(pattern)]).map(([, spec]) =>
    spec!.startsWith('.') ? relative(SRC, resolve(dirname(path), spec!)).replace(/\.js$/, '.ts') : spec!,
  );
}

describe('the client is a separate door (DESIGN §13, STYLE §9)', () => {
  const files = sourceFiles(CLIENT);

  it('has files to check', () => {
    expect(files.map((f) => relative(SRC, f))).toContain('client/index.ts');
  });

  it('imports nothing of src but src/client and shared/contract.ts, and no package but the Upstash clients and zod', () => {
    const allowed = (spec: string) =>
      spec.startsWith('client/') || spec === CONTRACT || ['@upstash/qstash', '@upstash/redis', 'zod'].includes(spec);
    const offenders = files.flatMap((f) => importsOf(f).filter((spec) => !allowed(spec)).map((spec) => `${relative(SRC, f)} → ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('reaches, through the contract, only zod and iconv-lite', () => {
    expect(importsOf(join(SRC, CONTRACT)).sort()).toEqual(['iconv-lite', 'zod']);
  });
});
