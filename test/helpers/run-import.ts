import { randomUUID } from 'node:crypto';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from '../../src/shared/config.js';
import { ImportRequest, type ImportRequestInput, type ImportResult } from '../../src/shared/contract.js';
import { ImportError } from '../../src/shared/errors.js';
import { importCsv, type ImportDeps } from '../../src/worker/import-csv/import-csv.js';
import { fileSource } from '../../src/worker/import-csv/sources/source.js';
import { silentLogger, type TestDatabase } from './test-db.js';

export const TEST_LIMITS: ImportLimits = DEFAULT_IMPORT_LIMITS;

/** A job as the webhook would deliver it (defaults filled in by the contract's own schema). */
export function importJob(input: Partial<ImportRequestInput> = {}): ImportRequest {
  return ImportRequest.parse({
    jobId: `test-${randomUUID()}`,
    source: { key: 'test.csv' },
    list: { name: 'test list' },
    ...input,
  });
}

/** Runs the real engine over a file on disk against the test database. */
export function importFile(
  db: TestDatabase,
  path: string,
  job: ImportRequest = importJob(),
  deps: Partial<ImportDeps> = {},
): Promise<ImportResult> {
  return importCsv(job, {
    db: db.db,
    pool: db.pool,
    source: fileSource(path),
    limits: TEST_LIMITS,
    log: silentLogger,
    ...deps,
  });
}

/** The ImportError a failed import rejected with; fails the test when it succeeded or threw something else. */
export async function importError(promise: Promise<unknown>): Promise<ImportError> {
  const outcome = await promise.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected the import to fail, it returned ${JSON.stringify(outcome.result)}`);
  if (!(outcome.error instanceof ImportError)) throw outcome.error;
  return outcome.error;
}
