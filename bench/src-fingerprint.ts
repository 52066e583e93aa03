import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './env.js';

/**
 * A hash of every file under src/, taken as each run starts: the worker loads src/ afresh per
 * run, so an edit in the middle of a bench would otherwise mix two versions of the code into one
 * median without anyone noticing.
 */
export async function srcFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(join(REPO_ROOT, 'src'), { recursive: true })).sort();
  for (const file of files) {
    const path = join(REPO_ROOT, 'src', file);
    if (!(await stat(path)).isFile()) continue;
    hash.update(file).update('\0').update(await readFile(path)).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}
