import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadImportFileConfig, loadOrExit } from '../shared/config.js';
import { CsvOptions, ImportRequest, type ImportRequestInput, type Progress } from '../shared/contract.js';
import { createDb } from '../shared/db/client.js';
import { runMigrations } from '../shared/db/migrate.js';
import { ImportError, toImportError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { importCsv } from './import-csv/import-csv.js';
import { fileSource } from './import-csv/source.js';

const USAGE =
  'usage: npm run import-file -- <path> [--name NAME] [--job-id ID] [--delimiter D] [--encoding E] [--locale TAG] ' +
  '[--json-column NAME]... [--skip-invalid-rows] [--no-header] [--skip-rows N] [--quote C] [--escape C]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    'job-id': { type: 'string' },
    delimiter: { type: 'string' },
    encoding: { type: 'string' },
    locale: { type: 'string' },
    'json-column': { type: 'string', multiple: true },
    'skip-invalid-rows': { type: 'boolean' },
    'no-header': { type: 'boolean' },
    'skip-rows': { type: 'string' },
    quote: { type: 'string' },
    escape: { type: 'string' },
  },
});

const config = loadOrExit(() => loadImportFileConfig());
// Logs go to stderr: stdout carries exactly one JSON line for scripts to read.
const log = createLogger(config, 'import-file', process.stderr);

function fail(error: { code: string; message: string; problems?: unknown[] }): never {
  process.stdout.write(`${JSON.stringify({ error })}\n`);
  process.exit(1);
}

const path = positionals[0];
if (!path || positionals.length > 1) fail({ code: 'INVALID_OPTIONS', message: USAGE });

const delimiter = values.delimiter === 'tab' || values.delimiter === '\\t' ? '\t' : values.delimiter;
const request: ImportRequestInput = {
  jobId: values['job-id'] ?? `import-file-${randomUUID()}`,
  source: { key: basename(path) },
  list: { name: values.name ?? basename(path) },
  csv: CsvOptions.parse({}),
  invalidRows: values['skip-invalid-rows'] ? 'skip' : 'fail',
  columns: values['json-column']?.map((name) => ({ name, type: 'json' as const })),
};
const parsed = ImportRequest.safeParse({
  ...request,
  csv: {
    delimiter: delimiter ?? 'auto',
    encoding: values.encoding ?? 'auto',
    ...(values.locale !== undefined ? { locale: values.locale } : {}),
    header: !values['no-header'],
    skipRows: values['skip-rows'] === undefined ? 0 : Number(values['skip-rows']),
    quote: values.quote ?? '"',
    escape: values.escape ?? '"',
  },
});
if (!parsed.success) {
  fail({
    code: 'INVALID_OPTIONS',
    message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  });
}

const handle = createDb(config, log);
const bar = process.stderr.isTTY ? progressBar() : undefined;
try {
  await runMigrations(config.DATABASE_URL);
  const job = parsed.data;
  const result = await importCsv(job, {
    db: handle.db,
    pool: handle.pool,
    source: fileSource(path),
    limits: config,
    log,
    onProgress: bar,
  });
  if (bar) process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify({ jobId: job.jobId, ...result })}\n`);
} catch (err) {
  if (bar) process.stderr.write('\n');
  const error = toImportError(err);
  if (!(err instanceof ImportError)) log.error({ err }, 'import failed');
  process.exitCode = 1;
  process.stdout.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
} finally {
  await handle.close();
}

function progressBar() {
  let last = 0;
  return (p: Progress) => {
    const now = Date.now();
    if (now - last < 100 && p.percent < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((p.percent / 100) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.percent}% ${p.rows} rows`);
  };
}
