/**
 * `@csv-import-worker/client/schema`: the service's list tables as Drizzle tables, for apps that
 * query them with Drizzle (drizzle-orm is then the app's own dependency). Read them; the service
 * alone writes them.
 */
export { listColumns, listRows, lists } from '../../../src/shared/db/schema.js';
