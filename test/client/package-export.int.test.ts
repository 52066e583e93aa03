import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAndListModules, type LoadedModules } from '../helpers/loaded-modules.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/.bin/tsc');
// The client's dependencies and theirs (DESIGN §13), and the contract's zod and iconv-lite.
const ALLOWED = ['@upstash/qstash', '@upstash/redis', 'iconv-lite', 'jose', 'neverthrow', 'safer-buffer', 'uncrypto', 'zod'];
const SERVER = /^(bullmq|ioredis|pg|pg-.+|express|body-parser|@aws-sdk\/.+|@smithy\/.+|drizzle-orm|pino|@bull-board\/.+|csv-parse|jschardet)$/;
const run = promisify(execFile);

/** The packages loaded, server ones first, so a failure names what crept in. */
function expectClientPackagesOnly(loaded: LoadedModules, tooling: string[] = []) {
  const packages = loaded.packages.filter((p) => !tooling.includes(p));
  expect(packages.filter((p) => SERVER.test(p))).toEqual([]);
  expect(packages.filter((p) => !ALLOWED.includes(p))).toEqual([]);
  // The list is real: what the client needs did load.
  expect(packages).toEqual(expect.arrayContaining(['@upstash/qstash', '@upstash/redis', 'zod']));
}

const ownFiles = (loaded: LoadedModules, root: string) =>
  loaded.files.filter((f) => !f.includes('/node_modules/')).map((f) => relative(root, f));

describe('importing the client', () => {
  it('from src (through tsx) loads only src/client, the contract and the client packages', async () => {
    const loaded = await importAndListModules('./src/client/index.ts', { cwd: ROOT, tsx: true });

    expect(loaded.exports).toContain('createImportClient');
    expect(ownFiles(loaded, ROOT).filter((f) => !f.startsWith('src/client/') && f !== 'src/shared/contract.ts')).toEqual([]);
    expectClientPackagesOnly(loaded, ['tsx', 'esbuild']);
  });

  describe('as the built package export', () => {
    let dir: string;
    beforeAll(async () => {
      // A copy of the package as an app gets it: package.json, the build, the dependencies.
      dir = mkdtempSync(join(tmpdir(), 'client-package-'));
      await run(TSC, ['-p', join(ROOT, 'tsconfig.json'), '--outDir', join(dir, 'dist')]);
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('points exports["./client"] at the built JavaScript and its declarations, in a private package', () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

      expect(pkg.private).toBe(true);
      expect(pkg.exports['./client']).toEqual({ types: './dist/client/index.d.ts', import: './dist/client/index.js' });
      expect(existsSync(join(dir, 'dist/client/index.js'))).toBe(true);
      expect(readFileSync(join(dir, 'dist/client/index.d.ts'), 'utf8')).toMatch(/createImportClient/);
    });

    it('imports as csv-import-worker/client with plain Node and loads nothing of the server', async () => {
      const loaded = await importAndListModules('csv-import-worker/client', { cwd: dir });

      expect(loaded.exports).toEqual(expect.arrayContaining(['createImportClient', 'verifyImportCallback', 'ImportRequest']));
      expect(ownFiles(loaded, dir).filter((f) => !/^dist\/client\/[\w-]+\.js$/.test(f) && f !== 'dist/shared/contract.js')).toEqual([]);
      expectClientPackagesOnly(loaded);
    });

    it('types an app written against csv-import-worker/client', async () => {
      writeFileSync(
        join(dir, 'app.ts'),
        `import { createImportClient, type StatusDocument } from 'csv-import-worker/client';
const client = createImportClient({ qstashToken: 't', workerUrl: 'https://imports.example.com', upstash: { url: 'https://u', token: 't' } });
export const status: Promise<StatusDocument | null> = client.getImportStatus('imp_1');
// @ts-expect-error source and list are required by the contract
export const bad = client.requestImport({ jobId: 'imp_2' });
`,
      );
      const compiled = run(TSC, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', join(dir, 'app.ts')], { cwd: dir });

      await expect(compiled).resolves.toBeDefined();
    });
  });
});
