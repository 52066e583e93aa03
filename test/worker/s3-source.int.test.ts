import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { createStorage, type Storage } from '../../src/shared/storage.js';
import { s3Source } from '../../src/worker/import-csv/sources/s3-source.js';
import { guardSource, type OpenedSource } from '../../src/worker/import-csv/sources/source.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const IDLE_MS = 300;
const FILE = Buffer.from('id,name\n'.concat(Array.from({ length: 20_000 }, (_, i) => `${i},name ${i}\n`).join('')));

let s3: S3TestServer;
let storage: Storage;

beforeAll(async () => {
  s3 = await startS3Server();
  // The client's socket timeout (twice its idle setting) would close a leaked socket by itself;
  // kept far above the waits below, it cannot hide a reader that forgets to release one.
  storage = createStorage({ ...s3.config, STORAGE_IDLE_TIMEOUT_MS: 10_000 }, { maxAttempts: 1 });
});

afterAll(async () => {
  storage?.close();
  await s3?.stop();
});

/** Reads a source the way the engine does: through guardSource, with a byte limit and idle timer. */
async function readAll(opened: OpenedSource, maxBytes = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of guardSource(opened.stream, { maxBytes, idleTimeoutMs: IDLE_MS, onBytes: () => {} })) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function failure(promise: Promise<unknown>): Promise<ImportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

/** Fails instead of hanging when a socket is never given back. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function putFixture(key: string): Promise<void> {
  await s3.storage.put(key, FILE);
}

describe('s3Source', () => {
  it('is named by its key and streams the whole object, sized by HEAD', async () => {
    await putFixture('source/ok.csv');
    const source = s3Source(storage, 'source/ok.csv');
    expect(source.name).toBe('source/ok.csv');
    const opened = await source.open();
    expect(opened.totalBytes).toBe(FILE.length);
    expect((await readAll(opened)).equals(FILE)).toBe(true);
  });

  it('reports a missing object as FILE_NOT_FOUND before downloading anything', async () => {
    const err = await failure(s3Source(storage, 'source/missing.csv').open());
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain('source/missing.csv');
  });

  it('refuses a file HEAD reports over the limit without sending a GET', async () => {
    await putFixture('source/big.csv');
    const before = s3.faults.hits('source/big.csv');
    const err = await failure(s3Source(storage, 'source/big.csv', { maxBytes: 1024 }).open());
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.retryable).toBe(false);
    expect(s3.faults.hits('source/big.csv') - before).toBe(1);
  });

  it('stops a file whose length was under-reported once the bytes read pass the limit', async () => {
    await putFixture('source/liar.csv');
    s3.faults.set('source/liar.csv', { kind: 'shortLength', contentLength: 100 });
    const opened = await s3Source(storage, 'source/liar.csv', { maxBytes: 64 * 1024 }).open();
    expect(opened.totalBytes).toBe(100);
    const err = await failure(readAll(opened, 64 * 1024));
    expect(err.code).toBe('FILE_TOO_LARGE');
  });

  it('fails a body that stalls as STORAGE_STALLED within the idle timeout, and frees its socket', async () => {
    await putFixture('source/stall.csv');
    s3.faults.set('source/stall.csv', { kind: 'stall', afterBytes: 10_000 });
    const opened = await s3Source(storage, 'source/stall.csv').open();
    const started = Date.now();
    const err = await failure(readAll(opened));
    expect(err.code).toBe('STORAGE_STALLED');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(IDLE_MS + 1_000);
    await within(s3.faults.released('source/stall.csv'), 2_000, 'releasing the stalled socket');
  });

  it('fails a body whose connection is reset mid-transfer as STORAGE_UNAVAILABLE', async () => {
    await putFixture('source/reset.csv');
    s3.faults.set('source/reset.csv', { kind: 'reset', afterBytes: 10_000 });
    const opened = await s3Source(storage, 'source/reset.csv').open();
    const err = await failure(readAll(opened));
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('source/reset.csv');
    await within(s3.faults.released('source/reset.csv'), 2_000, 'closing the reset socket');
  });

  it('reports a store answering 500 as STORAGE_UNAVAILABLE, which is retried', async () => {
    await putFixture('source/500.csv');
    s3.faults.set('source/500.csv', { kind: 'status', status: 500 });
    const err = await failure(s3Source(storage, 'source/500.csv').open());
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it('reports a download cut short by the job signal as SHUTTING_DOWN, not as a storage fault', async () => {
    await putFixture('source/abort.csv');
    s3.faults.set('source/abort.csv', { kind: 'stall', afterBytes: 10_000 });
    const controller = new AbortController();
    const opened = await s3Source(storage, 'source/abort.csv').open(controller.signal);
    const reading = (async () => {
      for await (const _ of opened.stream) controller.abort();
    })();
    const err = await failure(reading);
    expect(err.code).toBe('SHUTTING_DOWN');
    await within(s3.faults.released('source/abort.csv'), 2_000, 'releasing the aborted socket');
  });

  it('frees the socket when the reader stops early', async () => {
    await putFixture('source/early.csv');
    s3.faults.set('source/early.csv', { kind: 'stall', afterBytes: 50_000 });
    const opened = await s3Source(storage, 'source/early.csv').open();
    for await (const _ of guardSource(opened.stream, { maxBytes: FILE.length, onBytes: () => {} })) break;
    await within(s3.faults.released('source/early.csv'), 2_000, 'releasing the socket');
  });
});
