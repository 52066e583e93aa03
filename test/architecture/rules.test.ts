import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture', () => {
  const files = sourceFiles(SRC).map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }));

  it('reads process.env only in shared/config.ts', () => {
    const offenders = files.filter((f) => f.text.includes('process.env') && f.path !== 'shared/config.ts').map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('keeps BullMQ out of the engine and shared code, except the queue definition', () => {
    const offenders = files
      .filter((f) => /from 'bullmq'/.test(f.text))
      .map((f) => f.path)
      .filter((p) => !['shared/queues.ts', 'worker/start-worker.ts', 'worker/processor.ts', 'worker/run-status.ts', 'api/app.ts', 'api/cancel-job.ts', 'api/dashboard.ts', 'api/dashboard-jobs.ts', 'api/routes/qstash-import.ts'].includes(p));
    expect(offenders).toEqual([]);
  });

  it('keeps the engine free of the worker process: it imports only itself and shared code', () => {
    const offenders = files
      .filter((f) => f.path.startsWith('worker/import-csv/'))
      .flatMap((f) => [...f.text.matchAll(/from '(\.[^']+)'/g)].map((m) => ({ from: f.path, to: join('src', f.path, '..', m[1]!) })))
      .filter(({ to }) => !to.startsWith('src/worker/import-csv/') && !to.startsWith('src/shared/'))
      .map(({ from, to }) => `${from} → ${to}`);
    expect(offenders).toEqual([]);
  });

  it('keeps the sinks from importing the engine that feeds them (leaf helpers with no imports aside)', () => {
    const relativeImports = (f: { path: string; text: string }) =>
      [...f.text.matchAll(/from '(\.[^']+)'/g)].map((m) => join(f.path, '..', m[1]!).replace(/\.js$/, '.ts'));
    const byPath = new Map(files.map((f) => [f.path, f]));
    const offenders = files
      .filter((f) => f.path.startsWith('worker/import-csv/sinks/'))
      .flatMap((f) => relativeImports(f).map((to) => ({ from: f.path, to })))
      .filter(({ to }) => to.startsWith('worker/import-csv/') && !to.startsWith('worker/import-csv/sinks/'))
      .filter(({ to }) => relativeImports(byPath.get(to)!).length > 0)
      .map(({ from, to }) => `${from} → ${to}`);
    expect(offenders).toEqual([]);
  });

  it('creates pino loggers only in shared/logger.ts', () => {
    const offenders = files.filter((f) => /from 'pino'/.test(f.text) && f.path !== 'shared/logger.ts').map((f) => f.path);
    expect(offenders).toEqual([]);
  });
});
