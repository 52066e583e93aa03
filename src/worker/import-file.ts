import './young-objects.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadImportFileConfig, loadOrExit } from '../shared/config.js';
import { ImportRequest, type ImportPreview, type ImportRequestInput, type Progress } from '../shared/contract.js';
import { createDb } from '../shared/db/client.js';
import { ensureDatabase } from '../shared/db/ensure-database.js';
import { runMigrations } from '../shared/db/migrate.js';
import { ImportError, toImportError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { matchKey } from './import-csv/column-plan.js';
import { importCsv } from './import-csv/import-csv.js';
import { fileReport } from './import-csv/sinks/rejected-rows.js';
import { fileSource } from './import-csv/sources/source.js';

const USAGE =
  'usage: npm run import-file -- <path> [--name NAME] [--job-id ID] [--request REQUEST.json] [--dry-run] [--rejected-rows OUT.csv] ' +
  `[--delimiter D] [--encoding E] [--locale TAG] [--infer-types none|lossless] [--json-column NAME]... [--skip-invalid-rows] [--no-header] [--skip-rows N] [--quote auto|'"'|"'"] [--escape C] [--sheet NAME|N]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    'job-id': { type: 'string' },
    request: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'rejected-rows': { type: 'string' },
    delimiter: { type: 'string' },
    encoding: { type: 'string' },
    locale: { type: 'string' },
    'infer-types': { type: 'string' },
    'json-column': { type: 'string', multiple: true },
    'skip-invalid-rows': { type: 'boolean' },
    'no-header': { type: 'boolean' },
    'skip-rows': { type: 'string' },
    quote: { type: 'string' },
    escape: { type: 'string' },
    sheet: { type: 'string' },
  },
});

const config = loadOrExit(() => loadImportFileConfig());
// Logs go to stderr: stdout carries exactly one JSON line for scripts to read.
const log = createLogger(config, 'import-file', process.stderr);
let preview: ImportPreview | undefined;

function fail(error: { code: string; message: string; problems?: unknown[] }): never {
  process.stdout.write(`${JSON.stringify({ error, ...(preview ? { preview } : {}) })}\n`);
  process.exit(1);
}

const path = positionals[0];
if (!path || positionals.length > 1) fail({ code: 'INVALID_OPTIONS', message: USAGE });

const parsed = ImportRequest.safeParse(requestOf(values['request'] ? readRequestFile(values['request']) : {}, path));
if (!parsed.success) {
  fail({
    code: 'INVALID_OPTIONS',
    message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  });
}

/** The webhook body's fields other than `source` (DESIGN §5.5). */
function readRequestFile(file: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail({ code: 'INVALID_OPTIONS', message: `--request ${file}: ${(err as Error).message}` });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail({ code: 'INVALID_OPTIONS', message: `--request ${file}: must hold a JSON object` });
  if ('source' in body) fail({ code: 'INVALID_OPTIONS', message: `--request ${file}: "source" is the file given on the command line; leave it out` });
  return body as Record<string, unknown>;
}

/** The request file's fields, then the flags given: each flag overrides what the file says. */
function requestOf(file: Record<string, unknown>, filePath: string): ImportRequestInput {
  const fileList = (file.list ?? {}) as Record<string, unknown>;
  const fileCsv = (file.csv ?? {}) as Record<string, unknown>;
  const delimiter = values.delimiter === 'tab' || values.delimiter === '\\t' ? '\t' : values.delimiter;
  const flagCsv = {
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(values.encoding !== undefined ? { encoding: values.encoding } : {}),
    ...(values.locale !== undefined ? { locale: values.locale } : {}),
    ...(values['infer-types'] !== undefined ? { inferTypes: values['infer-types'] } : {}),
    ...(values['no-header'] ? { header: false } : {}),
    ...(values['skip-rows'] !== undefined ? { skipRows: Number(values['skip-rows']) } : {}),
    ...(values.quote !== undefined ? { quote: values.quote } : {}),
    ...(values.escape !== undefined ? { escape: values.escape } : {}),
    // A name, or a position: a sheet whose name is digits is found by name first (chooseSheet).
    ...(values.sheet !== undefined ? { sheet: values.sheet } : {}),
  };
  return {
    ...file,
    jobId: values['job-id'] ?? (file.jobId as string | undefined) ?? `import-file-${randomUUID()}`,
    source: { key: basename(filePath) },
    list: { ...fileList, name: values.name ?? (fileList.name as string | undefined) ?? basename(filePath) },
    csv: { ...fileCsv, ...flagCsv },
    columns: withJsonColumns(file.columns as ImportRequestInput['columns'], values['json-column']),
    ...(values['skip-invalid-rows'] ? { invalidRows: 'skip' as const } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
  } as ImportRequestInput;
}

/** `--json-column NAME` types the plan's entry for NAME as json, adding the entry when there is none. */
function withJsonColumns(columns: ImportRequestInput['columns'], json: string[] | undefined): ImportRequestInput['columns'] {
  if (!json?.length) return columns;
  const entries = [...(columns ?? [])];
  for (const name of json) {
    // Matched as the plan matches headers: `--json-column payload` types an entry `Payload` or one
    // whose aliases hold it, rather than adding a second entry for the same header.
    const i = entries.findIndex((c) => [c.name, ...(c.aliases ?? [])].some((n) => matchKey(n) === matchKey(name)));
    if (i >= 0) entries[i] = { ...entries[i]!, type: 'json' };
    else entries.push({ name, type: 'json' });
  }
  return entries;
}

const handle = createDb(config, log);
const bar = process.stderr.isTTY ? progressBar() : undefined;
try {
  await ensureDatabase(config.DATABASE_URL);
  await runMigrations(config.DATABASE_URL);
  const job = parsed.data;
  const result = await importCsv(job, {
    db: handle.db,
    pool: handle.pool,
    source: fileSource(path),
    limits: config,
    log,
    onProgress: bar,
    onPreview: (p) => (preview = p),
    rejectedRows: values['rejected-rows'] ? fileReport(values['rejected-rows']) : undefined,
  });
  if (bar) process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify({ jobId: job.jobId, ...result, ...(preview ? { preview } : {}) })}\n`);
} catch (err) {
  if (bar) process.stderr.write('\n');
  const error = toImportError(err);
  if (!(err instanceof ImportError)) log.error({ err }, 'import failed');
  process.exitCode = 1;
  process.stdout.write(`${JSON.stringify({ error: error.toJSON(), ...(preview ? { preview } : {}) })}\n`);
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
