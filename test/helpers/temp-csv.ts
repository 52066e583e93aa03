import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp folder for files a test writes; `remove()` in afterAll. */
export function createTempDir(prefix = 'csv-import-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    /** Writes the bytes (strings as UTF-8) to a new file and returns its path. */
    write(content: string | Buffer, name = `file-${++n}.csv`): string {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
