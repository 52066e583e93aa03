import type { Queryable } from './list-reader.js';

export interface ClosablePool extends Queryable {
  end(): Promise<void>;
}

/**
 * A pg Pool for a connection string, loaded on first use: pg is an optional peer dependency, and
 * an app that passes its own pool never needs this package to find it.
 */
export function createdPool(connectionString: string): ClosablePool {
  let pool: Promise<import('pg').Pool> | undefined;
  const open = () =>
    (pool ??= import('pg').then(
      ({ default: pg }) => {
        const created = new pg.Pool({ connectionString, max: 4, application_name: 'csv-import-worker-client' });
        // An idle connection that drops would otherwise crash the app (an 'error' without a
        // listener); the next query opens a new one, or fails with its own error.
        created.on('error', () => {});
        return created;
      },
      (err: unknown) => {
        throw new Error('createListReader({ connectionString }) needs the "pg" package: npm install pg', { cause: err });
      },
    ));
  return {
    query: async (text, values) => (await open()).query(text, values),
    end: async () => {
      if (pool) await (await pool).end();
    },
  };
}
