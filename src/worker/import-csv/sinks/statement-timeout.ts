import { ImportError } from '../../../shared/errors.js';
import { withTimeout } from '../../../shared/with-timeout.js';

/**
 * PostgreSQL stopped answering without closing the connection (a network partition, a frozen
 * server): no socket error will ever come, so only a timer ends the wait. Transient.
 */
export class DatabaseSilentError extends ImportError {
  constructor(ms: number) {
    super('DATABASE_UNAVAILABLE', `the database stopped answering (nothing for ${Math.round(ms / 1000)} s); the import will be retried`);
  }
}

/** Waits at most `ms` for PostgreSQL to answer; the caller must throw its connection away after a timeout. */
export function withStatementTimeout<T>(statement: Promise<T>, ms: number): Promise<T> {
  return withTimeout(statement, ms, () => new DatabaseSilentError(ms));
}
