import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from '../logger.js';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Drizzle over a pg Pool. The pool logs idle-client errors instead of crashing the process. */
export function createDb(config: { DATABASE_URL: string; PG_POOL_MAX?: number }, logger: Logger): DbHandle {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.PG_POOL_MAX ?? 10,
    connectionTimeoutMillis: 10_000,
    application_name: 'csv-import-worker',
  });
  pool.on('error', (err) => logger.warn({ err }, 'idle postgres client failed'));
  // pg-pool listens for a client's 'error' only while it sits idle. A checked-out client whose
  // connection dies (backend terminated, network cut mid-COPY) emits 'error' with no listener,
  // which crashed the worker with an uncaught EPIPE. The statement in flight receives the same
  // error and fails the import as transient, so this listener only has to keep the process up.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.debug({ err }, 'postgres connection failed'));
  });
  let closed: Promise<void> | undefined;
  return {
    db: drizzle(pool, { schema }),
    pool,
    close: () => (closed ??= pool.end()),
  };
}
