/**
 * `@csv-import-worker/client/lists`: the lists the service wrote, read without SQL against its
 * tables (DESIGN §13). Needs `pg` (a peer dependency) only when given a connection string.
 */
export {
  createListReader, MAX_PAGE_SIZE, type ListColumn, type ListInfo, type ListReader, type ListReaderOptions, type ListRow,
  type ListRowsPage, type ListRowsOptions, type Queryable,
} from './list-reader.js';
