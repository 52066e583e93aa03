import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../src/shared/config.js';
import { runMigrations } from '../../src/shared/db/migrate.js';
import { assertMigrated } from '../../src/shared/db/schema-version.js';
import { SchemaNotMigratedError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { QUEUE } from '../../src/shared/queues.js';
import { listenApi, logSink, type ListeningApi } from '../helpers/api-in-process.js';
import { databaseUrl } from '../helpers/env.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';
import { createTempDir } from '../helpers/temp-csv.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/** A process whose database lacks the latest migration says so and how to fix it (DESIGN §11). */

const LATEST = '0002_typed_columns_file_name';
const created: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `csv_import_schema_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  created.push(name);
  return databaseUrl(name);
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of created) await adminQuery(`drop database if exists ${name} with (force)`);
});

describe('assertMigrated', () => {
  let migrated: TestDatabase;
  beforeAll(async () => {
    migrated = await createTestDatabase();
  });
  afterAll(() => migrated?.drop());

  it('passes on a database with every migration', async () => {
    await expect(assertMigrated(migrated.pool)).resolves.toBeUndefined();
  });

  it('names the latest migration for a database never migrated', async () => {
    const url = await emptyDatabase();

    const error = await withClient(url, (c) => assertMigrated(c).catch((e: unknown) => e));

    expect(error).toBeInstanceOf(SchemaNotMigratedError);
    expect((error as Error).message).toBe(`the database lacks migration ${LATEST}; apply it with: npm run db:migrate`);
  });

  it('names it for a database one migration behind', async () => {
    const behind = await createTestDatabase();
    try {
      await behind.pool.query('delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)');

      await expect(assertMigrated(behind.pool)).rejects.toMatchObject({ migration: LATEST });
    } finally {
      await behind.drop();
    }
  });
});

describe('the api on an unmigrated database', () => {
  let service: TestService;
  let api: ListeningApi;
  const logs = logSink();
  beforeAll(async () => {
    service = await startService({ inProcessWorker: false });
    api = await listenApi(loadApiConfig({ ...service.env, DATABASE_URL: await emptyDatabase() }), createLogger({ LOG_LEVEL: 'warn' }, 'api', logs.stream));
  });
  afterAll(async () => {
    await api?.close();
    await service?.stop();
  });

  it('answers /ready with 503 naming the migration and the command', async () => {
    // The api's Redis connection comes up just after it listens.
    const ready = async () => {
      const res = await fetch(`${api.baseUrl}/ready`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
    };
    await expect.poll(async () => (await ready()).body.checks.redis, { timeout: 5_000 }).toBe('ok');

    const { status, body } = await ready();

    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'unavailable',
      checks: { redis: 'ok', postgres: `the database lacks migration ${LATEST}; apply it with: npm run db:migrate` },
    });
  });

  it('answers /ready with 200 on the migrated one', async () => {
    expect((await fetch(`${service.baseUrl}/ready`)).status).toBe(200);
  });
});

describe('a worker on an unmigrated database', () => {
  let service: TestService;
  let queue: Queue;
  beforeAll(async () => {
    service = await startService({ inProcessWorker: false });
    queue = new Queue(QUEUE.importCsv, { connection: { url: service.env.REDIS_URL }, prefix: service.env.QUEUE_PREFIX });
  });
  afterAll(async () => {
    await queue?.close();
    await service?.stop();
  });

  it('takes no job and logs the command to run, then starts by itself once migrated', async () => {
    const url = await emptyDatabase();
    const jobId = uniqueJobId('schema');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, 'a,b\n1,2\n');
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    const worker = service.spawnWorker({ DATABASE_URL: url, LOG_LEVEL: 'info' });
    let out = '';
    worker.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));

    // A worker process under tsx takes a while to start on a loaded machine.
    await expect.poll(() => out, { timeout: 45_000, interval: 200 }).toContain('the database lacks the latest migration');
    const line = JSON.parse(out.split('\n').find((l) => l.includes('the database lacks the latest migration'))!);
    expect(line).toMatchObject({ level: 50, migration: LATEST, command: 'npm run db:migrate' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await queue.getJobState(jobId)).toBe('waiting');

    await runMigrations(url);

    await expect.poll(() => queue.getJobState(jobId), { timeout: 30_000, interval: 200 }).toBe('completed');
    expect(out).toContain('the database has the latest migration now; taking jobs');
    const lists = await withClient(url, (c) => c.query('select count(*)::int as n from lists where job_id = $1', [jobId]));
    expect(lists.rows[0].n).toBe(1);
  }, 120_000);
});

describe('import-file', () => {
  const temp = createTempDir();
  afterAll(() => temp.remove());

  it('creates its database when the server has none by that name, then migrates it and imports', async () => {
    const name = `csv_import_cli_${randomBytes(6).toString('hex')}`;
    created.push(name);
    const env = { ...process.env, DATABASE_URL: databaseUrl(name), LOG_LEVEL: 'silent' };

    const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/worker/import-file.ts', temp.write('a,b\n1,2\n'), '--name', 'created'], { env });

    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ rows: 1 });
    await expect(withClient(databaseUrl(name), (c) => assertMigrated(c))).resolves.toBeUndefined();
  });
});
