import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buffer } from 'node:stream/consumers';
import { loadWorkerConfig } from '../../src/shared/config.js';
import { countAll, readList } from '../helpers/read-list.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

/** The review workflow end to end: webhook → worker → status document, bucket and database (DESIGN §3, §5.2–§5.4). */

describe('reviewing an import through the service', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(async () => {
    await service?.stop();
  });

  async function upload(label: string, body: string): Promise<string> {
    const key = `uploads/${uniqueJobId(label)}.csv`;
    await service.s3.storage.put(key, body);
    return key;
  }

  it('a dry run succeeds with dryRun and the preview, writes no list, and keeps the source even when told to delete it', async () => {
    const key = await upload('dry', 'Email,Name\na@x.org,Ann\nb@x.org,Bo\n');
    const jobId = uniqueJobId('dry');
    const before = await countAll(service.db.pool);
    const res = await service.deliver(importRequest(jobId, key, {
      dryRun: true, deleteSourceAfterImport: true, columns: [{ name: 'e-mail', aliases: ['email'], key: 'email', required: true }],
    }));
    expect(res.status).toBe(202);
    const doc = await service.waitForState(jobId, ['succeeded', 'failed']);
    expect(doc.state).toBe('succeeded');
    expect(doc.result).toMatchObject({ dryRun: true, rows: 2, alreadyImported: false });
    expect(doc.result).not.toHaveProperty('listId');
    expect(doc.preview).toEqual({
      fileType: 'csv', encoding: 'utf-8', encodingConfidence: expect.any(Number), delimiter: ',', quote: '"', header: ['Email', 'Name'],
      columns: [
        { key: 'email', name: 'Email', type: 'string', suggested: { type: 'email' } },
        { key: 'name', name: 'Name', type: 'string', suggested: { type: 'string' } },
      ],
      sampleRows: [{ email: 'a@x.org', name: 'Ann' }, { email: 'b@x.org', name: 'Bo' }],
    });
    expect(await countAll(service.db.pool)).toEqual(before);
    expect(await readList(service.db.pool, jobId)).toBeUndefined();
    await expect(service.s3.storage.head(key)).resolves.toMatchObject({ size: expect.any(Number) });
  });

  it('a failing import names its report at REJECTED_ROWS_PREFIX + jobId + .attempt-<n>.csv, and keeps the preview in the final document', async () => {
    const key = await upload('rejected', 'id,email\n1,a@x.org\n2,\n3,c@x.org\n4,  \n');
    const jobId = uniqueJobId('rejected');
    await service.deliver(importRequest(jobId, key, { columns: [{ name: 'email', notEmpty: true }] }));
    const doc = await service.waitForState(jobId, ['failed']);
    expect(doc.error).toMatchObject({ code: 'EMPTY_VALUE', retryable: false, problemCount: 2, rejectedRows: { key: `rejected/${jobId}.attempt-1.csv`, rows: 2 } });
    expect(doc.preview?.sampleRows).toEqual([{ id: '1', email: 'a@x.org' }, { id: '3', email: 'c@x.org' }]);
    const report = (await buffer((await service.s3.storage.open(`rejected/${jobId}.attempt-1.csv`)).stream)).toString('utf8');
    expect(report).toBe('\ufeffid,email,row,line,error\r\n' +
      '2,,2,3,"row 2 (line 3), column ""email"" is empty; it must have a value"\r\n' +
      '4,  ,4,5,"row 4 (line 5), column ""email"" is empty; it must have a value"\r\n');
  });

  it('a plan error fails from the header with the header\'s code, before any row', async () => {
    const key = await upload('plan', 'id,extra\n1,x\n');
    const jobId = uniqueJobId('plan');
    await service.deliver(importRequest(jobId, key, { columns: [{ name: 'id' }], unmappedColumns: 'fail' }));
    const doc = await service.waitForState(jobId, ['failed']);
    expect(doc.error).toMatchObject({ code: 'UNEXPECTED_COLUMNS', retryable: false });
    expect(doc.error?.message).toContain('"extra"');
    expect(doc).not.toHaveProperty('preview');
  });
});

describe('REJECTED_ROWS_PREFIX', () => {
  const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1', S3_ENDPOINT: 'http://127.0.0.1:1', R2_ACCESS_KEY_ID: 'a', R2_SECRET_ACCESS_KEY: 'b', R2_BUCKET_NAME: 'c' };

  it('defaults to rejected/, and empty turns reports off rather than meaning the default', () => {
    expect(loadWorkerConfig(base).REJECTED_ROWS_PREFIX).toBe('rejected/');
    expect(loadWorkerConfig({ ...base, REJECTED_ROWS_PREFIX: '' }).REJECTED_ROWS_PREFIX).toBe('');
    expect(loadWorkerConfig({ ...base, REJECTED_ROWS_PREFIX: 'reports/x-' }).REJECTED_ROWS_PREFIX).toBe('reports/x-');
  });
});
