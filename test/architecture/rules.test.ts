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
      .filter((p) => !['shared/queues.ts', 'worker/start-worker.ts', 'worker/import-csv/processor.ts', 'worker/import-csv/run-status.ts', 'api/app.ts', 'api/cancel-job.ts', 'api/dashboard.ts', 'api/dashboard-jobs.ts', 'api/routes/qstash-import.ts'].includes(p));
    expect(offenders).toEqual([]);
  });

  it('creates pino loggers only in shared/logger.ts', () => {
    const offenders = files.filter((f) => /from 'pino'/.test(f.text) && f.path !== 'shared/logger.ts').map((f) => f.path);
    expect(offenders).toEqual([]);
  });
});
