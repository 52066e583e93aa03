import { sql } from 'drizzle-orm';
import { COLUMN_TYPES, type ImportResult } from '../contract.js';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

export const lists = pgTable(
  'lists',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    jobId: text('job_id').notNull(),
    name: text('name').notNull(),
    ownerId: text('owner_id'),
    metadata: jsonb('metadata'),
    sourceKey: text('source_key').notNull(),
    /** The name the user's file had (`source.fileName`), when the app gave it. */
    fileName: text('file_name'),
    rowCount: integer('row_count').notNull().default(0),
    columnCount: integer('column_count').notNull().default(0),
    skippedRows: integer('skipped_rows').notNull().default(0),
    sourceBytes: bigint('source_bytes', { mode: 'number' }),
    /** The import's result as first reported, so a redelivery answers with the same details. */
    result: jsonb('result').$type<ImportResult>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('lists_job_id_unique').on(t.jobId), index('lists_owner_id_idx').on(t.ownerId)],
);

export const listColumns = pgTable(
  'list_columns',
  {
    listId: uuid('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    type: text('type', { enum: COLUMN_TYPES }).notNull(),
    /** How the file spelled the column's values (decimal and group characters, a date pattern); null for string and json. */
    format: jsonb('format').$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.position] }), unique('list_columns_list_id_key_unique').on(t.listId, t.key)],
);

export const listRows = pgTable(
  'list_rows',
  {
    listId: uuid('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    rowNumber: integer('row_number').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.rowNumber] })],
);
