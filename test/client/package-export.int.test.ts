import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAndListModules, type LoadedModules } from '../helpers/loaded-modules.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const PACKAGE = '@csv-import-worker/client';
// The client's dependencies and theirs (DESIGN §13), and the contract's zod and iconv-lite.
const ALLOWED = ['@upstash/qstash', '@upstash/redis', 'iconv-lite', 'jose', 'neverthrow', 'safer-buffer', 'uncrypto', 'zod'];
const SERVER = /^(bullmq|ioredis|pg|pg-.+|express|body-parser|@aws-sdk\/.+|@smithy\/.+|drizzle-orm|pino|@bull-board\/.+|csv-parse|jschardet)$/;
const run = promisify(execFile);
// npm's cache already holds every package the client needs (the repo's own install put it there).
const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** The packages loaded besides `expected` (tooling, the client itself), server ones first, so a failure names what crept in. */
function expectClientPackagesOnly(loaded: LoadedModules, expected: string[]) {
  const packages = loaded.packages.filter((p) => !expected.includes(p));
  expect(packages.filter((p) => SERVER.test(p))).toEqual([]);
  expect(packages.filter((p) => !ALLOWED.includes(p))).toEqual([]);
  // The list is real: what the client needs did load.
  expect(packages).toEqual(expect.arrayContaining(['@upstash/qstash', '@upstash/redis', 'zod']));
}

const ownFiles = (loaded: LoadedModules, root: string) =>
  loaded.files.filter((f) => !f.includes('/node_modules/')).map((f) => relative(root, f));

/** Every package directory under node_modules, scoped ones as `@scope/name`. */
function installedPackages(dir: string): string[] {
  const top = join(dir, 'node_modules');
  return readdirSync(top)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(top, name)).map((inner) => `${name}/${inner}`) : [name]))
    .sort();
}

describe('importing the client from the repo', () => {
  it('from its source (through tsx) loads only the package, the contract and the client packages', async () => {
    const loaded = await importAndListModules('./packages/client/src/index.ts', { cwd: ROOT, tsx: true });

    expect(loaded.exports).toContain('createImportClient');
    expect(ownFiles(loaded, ROOT).filter((f) => !f.startsWith('packages/client/src/') && f !== 'src/shared/contract.ts')).toEqual([]);
    expectClientPackagesOnly(loaded, ['tsx', 'esbuild']);
  });
});

describe(`${PACKAGE} packed and installed into an empty project`, () => {
  let work: string;
  let app: string;
  let tarball: string;
  let packed: string[];
  let installedWithClientOnly: string[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'client-package-'));
    app = join(work, 'app');
    const { stdout } = await run('npm', ['pack', '-w', PACKAGE, '--json', '--pack-destination', work], { cwd: ROOT });
    const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, info!.filename);
    packed = info!.files.map((f) => f.path).sort();
    await run('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module' }));
    await run('npm', [...NPM_INSTALL, tarball], { cwd: app });
    installedWithClientOnly = installedPackages(app);
    // What an app that reads lists adds beside it: pg (the /lists peer) and the types it compiles with.
    await run('npm', [...NPM_INSTALL, 'pg@^8', '@types/pg@^8', '@types/node@^20'], { cwd: app });
  }, 240_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the built entry points with their declarations, and no source or tests', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/packages/client/src/index.js', 'dist/packages/client/src/index.d.ts',
        'dist/packages/client/src/lists/index.js', 'dist/packages/client/src/lists/index.d.ts',
        'dist/packages/client/src/schema.js', 'dist/packages/client/src/schema.d.ts',
        'dist/src/shared/contract.js', 'dist/src/shared/contract.d.ts',
      ]),
    );
    expect(packed.filter((p) => p !== 'package.json' && !/^dist\/.+\.(js|d\.ts)$/.test(p))).toEqual([]);
  });

  it('installs its own dependencies only: none of the server packages, pg and drizzle-orm left to the app', () => {
    expect(installedWithClientOnly).toEqual([PACKAGE, ...ALLOWED].sort());
  });

  it('imports with plain Node and loads nothing of the server', async () => {
    const loaded = await importAndListModules(PACKAGE, { cwd: app });

    expect(loaded.exports).toEqual(expect.arrayContaining(['createImportClient', 'verifyImportCallback', 'ImportRequest']));
    expect(ownFiles(loaded, app)).toEqual([]);
    expectClientPackagesOnly(loaded, [PACKAGE]);
  });

  it('imports /lists without loading pg until a reader needs its own pool', async () => {
    const loaded = await importAndListModules(`${PACKAGE}/lists`, { cwd: app });

    expect(loaded.exports).toEqual(expect.arrayContaining(['createListReader', 'MAX_PAGE_SIZE']));
    expect(loaded.packages).toEqual([PACKAGE]);
  });

  const APP = `import pg from 'pg';
import { createImportClient, type StatusDocument } from '${PACKAGE}';
import { createListReader, type ListInfo, type ListRowsPage } from '${PACKAGE}/lists';

const client = createImportClient({ qstashToken: 't', workerUrl: 'https://imports.example.com', upstash: { url: 'https://u', token: 't' } });
export const status: Promise<StatusDocument | null> = client.getImportStatus('imp_1');
export const request = client.requestImport({ jobId: 'imp_2', source: { key: 'k.csv', fileName: 'Kunden März.csv' }, list: { name: 'L' } });
// @ts-expect-error source and list are required by the contract
export const bad = client.requestImport({ jobId: 'imp_3' });
export const cancel: Promise<'cancelled' | 'finished' | 'unknown'> = client.cancelImport('imp_2', { timeoutMs: 5_000 }).then((c) => c.outcome);

const lists = createListReader({ pool: new pg.Pool() });
export const list: Promise<ListInfo | null> = lists.getListByJobId('imp_2');
export const fileName: Promise<string | null | undefined> = list.then((l) => l?.fileName);
export const page: Promise<ListRowsPage> = lists.listRows('id', { afterRow: 0, limit: 50 });
export const fromUrl = createListReader({ connectionString: 'postgres://localhost/app' });
// @ts-expect-error a reader needs a pool or a connection string
export const neither = createListReader({});
`;

  for (const [moduleKind, resolution] of [['node16', 'node16'], ['nodenext', 'nodenext'], ['esnext', 'bundler']] as const) {
    it(`types an app under strict TypeScript with moduleResolution ${resolution}`, async () => {
      const file = join(app, `app-${resolution}.ts`);
      writeFileSync(file, APP);
      const compiled = run(TSC, ['--noEmit', '--strict', '--module', moduleKind, '--moduleResolution', resolution, '--target', 'es2022', '--types', 'node', file], {
        cwd: app,
      });

      await expect(compiled.catch((err: { stdout: string }) => Promise.reject(new Error(err.stdout)))).resolves.toBeDefined();
    });
  }
});
