import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REGISTER = fileURLToPath(new URL('./loaded-modules/register.mjs', import.meta.url));
// Imports the module, then prints its export names and the CommonJS cache: Node 20's module hooks
// see a CommonJS module imported from ESM but not what it require()s in turn; the cache has those.
const PROBE = `
import { createRequire } from 'node:module';
const m = await import(process.argv[1]);
console.log(JSON.stringify({ exports: Object.keys(m), cjs: Object.keys(createRequire(import.meta.url).cache) }));
`;

export interface LoadedModules {
  /** The imported module's export names. */
  exports: string[];
  /** Every file loaded after the import began (absolute paths). */
  files: string[];
  /** The npm packages those files belong to (`zod`, `@upstash/qstash`, …). */
  packages: string[];
}

/**
 * Imports `specifier` in a fresh Node process (resolved from `cwd`; through tsx when `tsx`) and
 * lists every file and package that loaded: what an app pays for importing it.
 */
export async function importAndListModules(specifier: string, options: { cwd: string; tsx?: boolean }): Promise<LoadedModules> {
  const dir = mkdtempSync(join(tmpdir(), 'loaded-modules-'));
  const list = join(dir, 'urls.txt');
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...(options.tsx ? ['--import', 'tsx'] : []), '--import', REGISTER, '--input-type=module', '-e', PROBE, specifier],
      { cwd: options.cwd, env: { ...process.env, LOADED_MODULES_FILE: list } },
    );
    const printed = JSON.parse(stdout.trim().split('\n').at(-1)!) as { exports: string[]; cjs: string[] };
    const hooked = readFileSync(list, 'utf8').split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
    const files = [...new Set([...hooked, ...printed.cjs])].sort();
    const packages = [...new Set(files.map(packageOf).filter((p): p is string => p !== undefined))].sort();
    return { exports: printed.exports, files, packages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function packageOf(path: string): string | undefined {
  const at = path.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const [scope, name] = path.slice(at + '/node_modules/'.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : scope;
}
