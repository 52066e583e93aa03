import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMPORT_LIMITS } from '../../src/shared/config.js';
import { ImportRequest } from '../../src/shared/contract.js';
import { createStorage, type Storage } from '../../src/shared/storage.js';
import { importCsv } from '../../src/worker/import-csv/import-csv.js';
import { s3Source } from '../../src/worker/import-csv/sources/s3-source.js';
import { createListReader } from '../../packages/client/src/lists/index.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { importError } from '../helpers/run-import.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { silentLogger } from '../helpers/test-db.js';

/** `source.fileName` (DESIGN §3): the user's name for the file, stored on the list and used in messages. */

const FILE_NAME = 'Kunden März.csv';
const fixture = useEngineFixture();
let s3: S3TestServer;
let storage: Storage;
beforeAll(async () => {
  s3 = await startS3Server();
  storage = createStorage(s3.config, { maxAttempts: 1 });
});
afterAll(async () => {
  storage?.close();
  await s3?.stop();
});

function importObject(key: string, fileName?: string) {
  const job = ImportRequest.parse({ jobId: `imp_${randomUUID()}`, source: { key, fileName }, list: { name: 'Kunden' } });
  const result = importCsv(job, {
    db: fixture.db.db, pool: fixture.db.pool, source: s3Source(storage, key), limits: DEFAULT_IMPORT_LIMITS, log: silentLogger,
  });
  return { job, result };
}

describe('source.fileName', () => {
  it('is stored on the list, and the lists reader gives it back', async () => {
    const key = `uploads/${randomUUID()}.csv`;
    await s3.storage.put(key, 'a,b\n1,2\n');

    const { job, result } = importObject(key, FILE_NAME);
    await result;

    const list = await createListReader({ pool: fixture.db.pool }).getListByJobId(job.jobId);
    expect(list?.fileName).toBe(FILE_NAME);
    const { rows } = await fixture.db.pool.query('select source_key from lists where job_id = $1', [job.jobId]);
    expect(rows[0].source_key).toBe(key);
  });

  it("names the file as its user knows it in a file's error, never by its storage key", async () => {
    const key = `uploads/${randomUUID()}.csv`;
    await s3.storage.put(key, 'a,b\n1,2,3\n');

    const err = await importError(importObject(key, FILE_NAME).result);

    expect(err.code).toBe('COLUMN_COUNT');
    expect(err.message).toMatch(/^"Kunden März\.csv": row 1 \(line 2\) has 3 values/);
    expect(err.message).not.toContain(key);
  });

  it('replaces the key where storage named it, as for a file that is not there', async () => {
    const key = `uploads/${randomUUID()}.csv`;

    const err = await importError(importObject(key, FILE_NAME).result);

    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toBe('"Kunden März.csv": the file "Kunden März.csv" does not exist in storage');
  });

  it('leaves the storage key in messages when the app gave no file name', async () => {
    const key = `uploads/${randomUUID()}.csv`;
    await s3.storage.put(key, 'a,b\n1,2,3\n');

    const err = await importError(importObject(key).result);

    expect(err.message.startsWith(`"${key}": `)).toBe(true);
  });

  it('is at most 255 characters with no control characters, refused by the contract otherwise', () => {
    const request = (fileName: string) => ({ jobId: 'imp_1', source: { key: 'k.csv', fileName }, list: { name: 'L' } });

    expect(ImportRequest.safeParse(request('x'.repeat(255))).success).toBe(true);
    const tooLong = ImportRequest.safeParse(request('x'.repeat(256)));
    const control = ImportRequest.safeParse(request('a\nb.csv'));
    expect(tooLong.error?.issues.map((i) => i.path.join('.'))).toEqual(['source.fileName']);
    expect(control.error?.issues[0]?.message).toMatch(/must not contain control characters/);
  });
});
