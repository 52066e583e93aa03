import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { expectedRow, type Dataset } from './generate-csv.js';
import { mulberry32 } from './prng.js';

const SAMPLED_ROWS = 12;

export interface Verification {
  rows: number;
  /** How many rows were compared value by value with the generator's. */
  rowsCompared: number;
}

export interface VerifyOptions {
  /** The floor loads rows only: it writes no column definitions and no counts on the list. */
  rowsOnly?: boolean;
}

/**
 * Checks the committed list against the generator, so a fast wrong answer cannot win: the row
 * count, the columns and their types, and the stored jsonb of the first, last and a few
 * scattered rows, compared as values (key order and JSON whitespace do not matter, jsonb keeps
 * neither).
 */
export async function verifyList(databaseUrl: string, jobId: string, dataset: Dataset, options: VerifyOptions = {}): Promise<Verification> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'csv-import-bench-verify' });
  await client.connect();
  try {
    const [list] = (await client.query<{ id: string; row_count: number; column_count: number }>(
      'select id, row_count, column_count from lists where job_id = $1', [jobId])).rows;
    if (!list) throw new Error(`verify: no list for job ${jobId}`);
    const { rows: [count] } = await client.query<{ n: string }>('select count(*) as n from list_rows where list_id = $1', [list.id]);
    const rows = Number(count?.n);
    if (rows !== dataset.rows) throw new Error(`verify: ${jobId} has ${rows} rows in list_rows, expected ${dataset.rows}`);
    if (!options.rowsOnly) await verifyListRecord(client, list, dataset);
    const numbers = sampleRowNumbers(dataset.rows);
    const stored = await client.query<{ row_number: number; data: unknown }>(
      'select row_number, data from list_rows where list_id = $1 and row_number = any($2::int[]) order by row_number',
      [list.id, numbers],
    );
    if (stored.rows.length !== numbers.length) throw new Error(`verify: ${jobId} is missing some of rows ${numbers.join(', ')}`);
    for (const { row_number, data } of stored.rows) {
      const expected = expectedRow(dataset, row_number);
      if (!isDeepStrictEqual(data, expected)) {
        throw new Error(`verify: ${jobId} row ${row_number} differs\n stored:   ${JSON.stringify(data)}\n expected: ${JSON.stringify(expected)}`);
      }
    }
    return { rows, rowsCompared: stored.rows.length };
  } finally {
    await client.end();
  }
}

async function verifyListRecord(client: pg.Client, list: { id: string; row_count: number; column_count: number }, dataset: Dataset) {
  if (list.row_count !== dataset.rows || list.column_count !== dataset.columns) {
    throw new Error(`verify: the list says ${list.row_count} rows × ${list.column_count} columns, expected ${dataset.rows} × ${dataset.columns}`);
  }
  const { rows } = await client.query<{ key: string; name: string; type: string }>(
    'select key, name, type from list_columns where list_id = $1 order by position', [list.id]);
  const expected = dataset.columnDefs.map((c) => ({ key: c.key, name: c.name, type: c.type }));
  if (!isDeepStrictEqual(rows, expected)) {
    throw new Error(`verify: columns differ\n stored:   ${JSON.stringify(rows)}\n expected: ${JSON.stringify(expected)}`);
  }
}

/** First, second, last, and a fixed scatter in between (the same rows every run). */
function sampleRowNumbers(total: number): number[] {
  const rng = mulberry32(total);
  const picks = new Set([1, Math.min(2, total), total]);
  while (picks.size < Math.min(SAMPLED_ROWS, total)) picks.add(1 + Math.floor(rng() * total));
  return [...picks].sort((a, b) => a - b);
}
