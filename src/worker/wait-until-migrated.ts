import { MIGRATE_COMMAND, SchemaNotMigratedError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { assertMigrated, type Queryable } from '../shared/db/schema-version.js';
import { withTimeout } from '../shared/with-timeout.js';

/** How often a worker waiting for its migrations asks again. */
const RECHECK_MS = 5_000;
// A PostgreSQL that does not answer must not hold the worker's start for the pool's 10 s connect timeout.
const CHECK_TIMEOUT_MS = 3_000;

/**
 * A worker whose database lacks this build's latest migration takes no job until it is applied
 * (DESIGN §11): every job would fail with SQL text otherwise. It says so once, with the command,
 * and starts by itself once the release step has run. A database it cannot reach at all is not
 * this check's business: the worker starts, and each import fails and retries as before.
 */
export async function waitUntilMigrated(db: Queryable, log: Logger, recheckMs = RECHECK_MS): Promise<void> {
  let waiting = false;
  for (;;) {
    try {
      await withTimeout(assertMigrated(db), CHECK_TIMEOUT_MS);
      if (waiting) log.info('the database has the latest migration now; taking jobs');
      return;
    } catch (err) {
      if (!(err instanceof SchemaNotMigratedError)) {
        log.warn({ err }, 'could not check the database schema; starting anyway');
        return;
      }
      if (!waiting) log.error({ migration: err.migration, command: MIGRATE_COMMAND }, 'the database lacks the latest migration; taking no job until it is applied');
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, recheckMs));
    }
  }
}
