import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse';
import pg from 'pg';
import { buildColumns } from '../src/worker/import-csv/header.js';
import { SAMPLE_ROWS, inferTypes } from '../src/worker/import-csv/infer-types.js';
import { createBenchS3Client } from './s3.js';

/**
 * The reference design (issue 4), written as a faithful baseline: the AWS SDK streams the
 * object, csv-parse turns records into objects (`columns: true`), and rows go in as 500-row
 * parameterised INSERTs, each batch awaited, in one transaction with the list and its columns.
 * It stores the same data as ours (same keys, same json inference over the first 1,000 rows),
 * so the same verification applies; it is not tuned beyond what the design says.
 */

const BATCH_ROWS = 500;

export interface ReferenceJob {
  s3: S3Client;
  bucket: string;
  key: string;
  client: pg.Client;
  jobId: string;
  listName: string;
}

export async function referenceImport(job: ReferenceJob): Promise<{ listId: string; rows: number }> {
  const { client } = job;
  const res = await job.s3.send(new GetObjectCommand({ Bucket: job.bucket, Key: job.key }));
  let columns: ReturnType<typeof buildColumns> = [];
  const parser = (res.Body as Readable).pipe(
    parse({
      columns: (header: string[]) => {
        columns = buildColumns(header);
        return columns.map((c) => c.key);
      },
      skip_empty_lines: true,
    }),
  );
  await client.query('BEGIN');
  try {
    const { rows: [list] } = await client.query<{ id: string }>(
      'insert into lists (job_id, name, source_key) values ($1, $2, $3) returning id', [job.jobId, job.listName, job.key]);
    const listId = list!.id;
    let sample: Record<string, string>[] | undefined = [];
    let jsonKeys: string[] = [];
    let batch: Record<string, string>[] = [];
    let rows = 0;
    let written = 0;
    const flush = async () => {
      await insertBatch(client, listId, written, batch, jsonKeys);
      written += batch.length;
      batch = [];
    };
    const settle = async () => {
      const types = inferTypes(columns.length, sample!.map((r) => columns.map((c) => r[c.key] ?? '')), [], new Set());
      columns = columns.map((c, i) => ({ ...c, type: types[i]! }));
      jsonKeys = columns.filter((c) => c.type === 'json').map((c) => c.key);
      for (const record of sample!) {
        batch.push(record);
        if (batch.length === BATCH_ROWS) await flush();
      }
      sample = undefined;
    };
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      rows++;
      if (sample) {
        sample.push(record);
        if (sample.length === SAMPLE_ROWS) await settle();
        continue;
      }
      batch.push(record);
      if (batch.length === BATCH_ROWS) await flush();
    }
    if (sample) await settle();
    if (batch.length) await flush();
    await insertColumns(client, listId, columns);
    await client.query('update lists set row_count = $2, column_count = $3 where id = $1', [listId, rows, columns.length]);
    await client.query('COMMIT');
    return { listId, rows };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function insertBatch(client: pg.Client, listId: string, firstRow: number, records: Record<string, string>[], jsonKeys: string[]) {
  const values: unknown[] = [];
  const tuples: string[] = [];
  records.forEach((record, i) => {
    for (const key of jsonKeys) if (record[key] !== '') (record as Record<string, unknown>)[key] = JSON.parse(record[key]!);
    values.push(listId, firstRow + i + 1, JSON.stringify(record));
    tuples.push(`($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`);
  });
  await client.query(`insert into list_rows (list_id, row_number, data) values ${tuples.join(', ')}`, values);
}

async function insertColumns(client: pg.Client, listId: string, columns: { key: string; name: string; type: string }[]) {
  const values = columns.flatMap((c, i) => [listId, i + 1, c.key, c.name, c.type]);
  const tuples = columns.map((_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`);
  await client.query(`insert into list_columns (list_id, position, key, name, type) values ${tuples.join(', ')}`, values);
}

/** Messages between the bench and this module run as a child process (see variant-reference.ts). */
export type ReferenceMessage =
  | { type: 'go'; endpoint: string; bucket: string; key: string; databaseUrl: string; jobId: string }
  | { type: 'exit' };
export type ReferenceReply = { type: 'ready' } | { type: 'done'; rows: number } | { type: 'error'; message: string };

/**
 * As a child: waits for `go`, imports, answers `done`, and keeps its connection (and so its
 * PostgreSQL backend) open until `exit`, so the bench can read both processes' CPU first.
 */
async function runAsChild(): Promise<void> {
  const send = (reply: ReferenceReply) => process.send!(reply);
  let client: pg.Client | undefined;
  let s3: S3Client | undefined;
  process.on('message', (message: ReferenceMessage) => {
    if (message.type === 'exit') {
      void (async () => {
        s3?.destroy();
        await client?.end().catch(() => undefined);
        process.disconnect();
      })();
      return;
    }
    void (async () => {
      try {
        s3 = createBenchS3Client(message.endpoint);
        client = new pg.Client({ connectionString: message.databaseUrl, application_name: 'csv-import-bench-reference' });
        await client.connect();
        const { rows } = await referenceImport({ s3, bucket: message.bucket, key: message.key, client, jobId: message.jobId, listName: 'bench reference' });
        send({ type: 'done', rows });
      } catch (err) {
        send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    })();
  });
  send({ type: 'ready' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.send) await runAsChild();
