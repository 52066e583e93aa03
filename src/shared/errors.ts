/**
 * The one error type of an import. `retryable` decides what the worker does with it: permanent
 * errors fail the job at once, transient ones are retried with backoff.
 */

export const PERMANENT_CODES = [
  'FILE_NOT_FOUND',
  'FILE_TOO_LARGE',
  'EMPTY_FILE',
  'NO_HEADER',
  'CSV_MALFORMED',
  'COLUMN_COUNT',
  'TOO_MANY_COLUMNS',
  'TOO_MANY_ROWS',
  'RECORD_TOO_LARGE',
  'JSON_PARSE_ERROR',
  'ENCODING_ERROR',
  'EMPTY_VALUE',
  // Typed values (DESIGN §5.8): a value that is not its column's type, breaks a constraint, or repeats a unique one.
  'TYPE_ERROR',
  'CONSTRAINT_ERROR',
  'DUPLICATE_VALUE',
  'INVALID_ROWS',
  // The column plan against the header row (DESIGN §5.2), found before any row is written.
  'MISSING_COLUMNS',
  'UNEXPECTED_COLUMNS',
  'AMBIGUOUS_COLUMNS',
  'INVALID_OPTIONS',
  'JOB_DATA_INVALID',
  // BullMQ gave up on a job whose runs kept stopping without an outcome (killed or frozen workers).
  'STALLED',
  // The main app cancelled the job (POST /qstash/cancel): never retried, nothing committed.
  'CANCELLED',
  // The api refused the request after its signature checked out; the status document says why (DESIGN §3).
  'REQUEST_INVALID',
  // Not a file this service reads (DESIGN §5.6): a PDF, an image, an .xls, a binary file.
  'UNSUPPORTED_FILE_TYPE',
  // Workbooks (DESIGN §5.7): a sheet csv.sheet names that is not there; a cell holding an error (#N/A) or no value.
  'SHEET_NOT_FOUND',
  'CELL_ERROR',
] as const;

export const TRANSIENT_CODES = [
  // Storage refused the service's own credentials or clock: an operator fixes it (storage.ts).
  'ACCESS_DENIED',
  'STORAGE_UNAVAILABLE',
  'STORAGE_STALLED',
  // The body ended cleanly before HEAD's size, or the object changed under the import (ETag pin).
  'STORAGE_SHORT_READ',
  'SOURCE_CHANGED',
  'DATABASE_UNAVAILABLE',
  'DATABASE_CONFLICT',
  'SHUTTING_DOWN',
  // The job's lock: another worker took it over, or Redis did not answer whether this one still holds it.
  'LOCK_LOST',
  'QUEUE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type PermanentCode = (typeof PERMANENT_CODES)[number];
export type TransientCode = (typeof TRANSIENT_CODES)[number];
export type ErrorCode = PermanentCode | TransientCode;

/** A row-level finding; `row` is the data row number, `line` the physical line it starts on. */
export interface Problem {
  row: number;
  line: number;
  column?: string;
  code: PermanentCode;
  message: string;
  value?: string;
}

export interface ImportErrorJson {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  problems?: Problem[];
  problemCount?: number;
  rejectedRows?: { key: string; rows: number };
  fileType?: string;
}

export interface ImportErrorOptions {
  cause?: unknown;
  problems?: Problem[];
  problemCount?: number;
  /** The rejected-rows report written for the failed import (DESIGN §5.4). */
  rejectedRows?: { key: string; rows: number };
  /** What the file was found to be, when that is why it was refused (UNSUPPORTED_FILE_TYPE). */
  fileType?: string;
}

const permanent = new Set<string>(PERMANENT_CODES);

export class ImportError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ImportErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ImportError';
    this.retryable = !permanent.has(code);
    this.problems = options.problems;
    this.problemCount = options.problemCount;
    this.rejectedRows = options.rejectedRows;
    this.fileType = options.fileType;
  }

  readonly problems: Problem[] | undefined;
  readonly problemCount: number | undefined;
  readonly rejectedRows: { key: string; rows: number } | undefined;
  readonly fileType: string | undefined;

  /** The same error, naming the rejected-rows report written for it. */
  withRejectedRows(rejectedRows: { key: string; rows: number }): ImportError {
    return new ImportError(this.code, this.message, { cause: this.cause, problems: this.problems, problemCount: this.problemCount, rejectedRows });
  }

  toJSON(): ImportErrorJson {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.problems ? { problems: this.problems, problemCount: this.problemCount } : {}),
      ...(this.rejectedRows ? { rejectedRows: this.rejectedRows } : {}),
      ...(this.fileType ? { fileType: this.fileType } : {}),
    };
  }
}

// Connection loss, admin shutdown, too many connections, serialization failure and deadlock are
// worth another attempt; anything else from PostgreSQL is a bug or a schema problem.
const TRANSIENT_PG_CODES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03']);
/** Socket error codes that mean the other side could not be reached or went away: worth a retry. */
export const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Maps a pg (or socket) error to a transient ImportError, or undefined when it is not one.
 * Follows `cause`: Drizzle wraps every driver error in a DrizzleQueryError ("Failed query: …")
 * whose own code is empty, which made an unreachable database look like an INTERNAL error.
 */
export function classifyPgError(err: unknown): ImportError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const classified = classifyOne(current, err);
    if (classified) return classified;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function classifyOne(cause: unknown, err: unknown): ImportError | undefined {
  const e = cause as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (TRANSIENT_PG_CODES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code)) {
    const kind = code.startsWith('40') ? 'DATABASE_CONFLICT' : 'DATABASE_UNAVAILABLE';
    return new ImportError(kind, `the database is unavailable (${code}); the import will be retried`, { cause: err });
  }
  if (/Connection terminated|connection.*(closed|ended)|Client has encountered a connection error/i.test(message)) {
    return new ImportError('DATABASE_UNAVAILABLE', 'the database connection was lost; the import will be retried', {
      cause: err,
    });
  }
  return undefined;
}

/** Whatever was thrown, as an ImportError: unknown errors are transient (bounded by attempts). */
export function toImportError(err: unknown): ImportError {
  if (err instanceof ImportError) return err;
  return (
    classifyPgError(err) ??
    new ImportError('INTERNAL', `unexpected error: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    })
  );
}

/** How an operator applies the migrations (the Procfile's `release` step, built: `node dist/shared/db/migrate-main.js`). */
export const MIGRATE_COMMAND = 'npm run db:migrate';

/**
 * The database has not applied the latest migration this build ships (DESIGN §11): a release step
 * was skipped or failed. Said where an operator looks (`/ready`, the worker's log) instead of
 * failing jobs with SQL text. The message names no host or user, so `/ready` may show it.
 */
export class SchemaNotMigratedError extends Error {
  constructor(readonly migration: string) {
    super(`the database lacks migration ${migration}; apply it with: ${MIGRATE_COMMAND}`);
    this.name = 'SchemaNotMigratedError';
  }
}
