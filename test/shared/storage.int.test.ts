import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { createStorage, type Storage } from '../../src/shared/storage.js';
import { listen } from '../helpers/listen.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let s3: S3TestServer;
let storage: Storage;
/** Without the SDK's retry, so a test sees exactly one request fail. */
let once: Storage;

beforeAll(async () => {
  s3 = await startS3Server({ idleTimeoutMs: 300 });
  storage = createStorage(s3.config);
  once = createStorage(s3.config, { maxAttempts: 1 });
});

afterAll(async () => {
  storage?.close();
  once?.close();
  await s3?.stop();
});

const failure = async (promise: Promise<unknown>): Promise<ImportError> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
};

describe('storage', () => {
  it('reports the size and etag of a stored object', async () => {
    const body = 'name,age\nZoë,36\n';
    await storage.put('head/people.csv', body);
    const info = await storage.head('head/people.csv');
    expect(info.size).toBe(Buffer.byteLength(body));
    expect(info.etag).toMatch(/^".+"$/);
  });

  it('streams the version an ETag names, and refuses with SOURCE_CHANGED once the object was replaced (fauxqs honours If-Match)', async () => {
    await storage.put('pinned/people.csv', 'name\nAda\n');
    const { etag } = await storage.head('pinned/people.csv');
    const { stream } = await storage.open('pinned/people.csv', undefined, { ifMatch: etag });
    expect(await text(stream)).toBe('name\nAda\n');

    await storage.put('pinned/people.csv', 'name\nGrace\n');
    const err = await failure(storage.open('pinned/people.csv', undefined, { ifMatch: etag }));
    expect(err).toMatchObject({ code: 'SOURCE_CHANGED', retryable: true });
    expect(err.message).toContain('"pinned/people.csv" was replaced');
    const now = await storage.head('pinned/people.csv');
    expect(now.etag).not.toBe(etag);
    expect(await text((await storage.open('pinned/people.csv', undefined, { ifMatch: now.etag })).stream)).toBe('name\nGrace\n');
  });

  it('streams an object back byte for byte, keys with spaces and unicode included', async () => {
    const body = Buffer.from('id,name\n1,Zoë\n2,"Ngô, Bảo"\n');
    await storage.put('open/a file ü.csv', body);
    const { stream, totalBytes } = await storage.open('open/a file ü.csv');
    expect(totalBytes).toBe(body.length);
    expect(Buffer.from(await text(stream))).toEqual(body);
  });

  it('uploads a stream body of known length', async () => {
    const parts = [Buffer.from('a,b\n'), Buffer.from('1,2\n')];
    await storage.put('put/stream.csv', Readable.from(parts), 8);
    const { stream } = await storage.open('put/stream.csv');
    expect(await text(stream)).toBe('a,b\n1,2\n');
  });

  it('refuses a stream body without a length, since S3 and R2 reject unsized uploads', async () => {
    await expect(storage.put('put/unsized.csv', Readable.from([Buffer.from('x')]))).rejects.toThrow(/contentLength/);
  });

  it('deletes an object so that it is no longer found', async () => {
    await storage.put('delete/me.csv', 'x\n');
    await storage.delete('delete/me.csv');
    const err = await failure(storage.head('delete/me.csv'));
    expect(err.code).toBe('FILE_NOT_FOUND');
  });

  it('treats deleting a key that never existed as done', async () => {
    await expect(storage.delete('delete/never-there.csv')).resolves.toBeUndefined();
  });

  it('reports a missing object on HEAD as FILE_NOT_FOUND naming the key', async () => {
    const err = await failure(storage.head('missing/report.csv'));
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('missing/report.csv');
  });

  it('reports a missing object on GET as FILE_NOT_FOUND naming the key', async () => {
    const err = await failure(storage.open('missing/other.csv'));
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain('missing/other.csv');
  });

  it('reports a refused GET as ACCESS_DENIED, retried, since credentials are for an operator to fix', async () => {
    await storage.put('denied.csv', 'x\n');
    s3.faults.set('denied.csv', { kind: 'status', status: 403 });
    const err = await failure(storage.open('denied.csv'));
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', retryable: true });
    expect(err.message).toMatch(/^storage refused access to "denied.csv" \(AccessDenied\): the credentials in R2_ACCESS_KEY_ID/);
  });

  it('reports a refused HEAD, which has no body to say why, as ACCESS_DENIED listing what to check', async () => {
    await storage.put('denied-head.csv', 'x\n');
    s3.faults.set('denied-head.csv', { kind: 'status', status: 403 });
    const err = await failure(storage.head('denied-head.csv'));
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', retryable: true });
    expect(err.message).toContain('(403 Forbidden): check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY');
  });

  describe('a store refusing the credentials or the clock', () => {
    let refusing: http.Server;
    let endpoint: string;
    beforeAll(async () => {
      // Answers every request 403 with the S3 error code named by the key's first segment.
      refusing = http.createServer((req, res) => {
        const code = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/')[2] ?? '');
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>refused</Message></Error>`;
        req.resume();
        res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
      });
      await listen(refusing);
      endpoint = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => refusing?.close(resolve));
    });

    it.each([
      ['SignatureDoesNotMatch', 'R2_SECRET_ACCESS_KEY is not the secret of R2_ACCESS_KEY_ID'],
      ['InvalidAccessKeyId', 'storage does not know the access key in R2_ACCESS_KEY_ID'],
      ['RequestTimeTooSkewed', "this machine's clock is too far from storage's"],
      ['AccessDenied', 'the credentials in R2_ACCESS_KEY_ID may not use this object'],
    ])('reports %s on GET as ACCESS_DENIED, retried, saying what to fix', async (code, fix) => {
      const refused = createStorage({ ...s3.config, S3_ENDPOINT: endpoint }, { maxAttempts: 1 });
      try {
        const err = await failure(refused.open(`${code}/report.csv`));
        expect(err).toMatchObject({ code: 'ACCESS_DENIED', retryable: true });
        expect(err.message.startsWith(`storage refused access to "${code}/report.csv" (${code}): ${fix}`), err.message).toBe(true);
      } finally {
        refused.close();
      }
    });
  });

  it('reports a store answering 500 as STORAGE_UNAVAILABLE, which is retried', async () => {
    await storage.put('broken.csv', 'x\n');
    s3.faults.set('broken.csv', { kind: 'status', status: 500 });
    const err = await failure(storage.head('broken.csv'));
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it('reports throttling (503 SlowDown) on GET as STORAGE_UNAVAILABLE', async () => {
    await storage.put('throttled.csv', 'x\n');
    s3.faults.set('throttled.csv', { kind: 'status', status: 503, method: 'GET' });
    const err = await failure(once.open('throttled.csv'));
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
  });

  it('absorbs a single 500 with one SDK retry and no more', async () => {
    await storage.put('flaky.csv', 'a\n1\n');
    const before = s3.faults.hits('flaky.csv');
    s3.faults.set('flaky.csv', { kind: 'status', status: 500, times: 1 });
    expect(await storage.head('flaky.csv')).toMatchObject({ size: 4 });
    expect(s3.faults.hits('flaky.csv') - before).toBe(2);
  });

  it('makes exactly maxAttempts requests before giving up', async () => {
    await storage.put('once.csv', 'x\n');
    const before = s3.faults.hits('once.csv');
    s3.faults.set('once.csv', { kind: 'status', status: 500 });
    expect((await failure(once.head('once.csv'))).code).toBe('STORAGE_UNAVAILABLE');
    expect(s3.faults.hits('once.csv') - before).toBe(1);
  });

  it('reports a refused connection as STORAGE_UNAVAILABLE', async () => {
    const nowhere = createStorage({ ...s3.config, S3_ENDPOINT: 'http://127.0.0.1:1' }, { maxAttempts: 1 });
    try {
      const err = await failure(nowhere.head('any.csv'));
      expect(err.code).toBe('STORAGE_UNAVAILABLE');
    } finally {
      nowhere.close();
    }
  });

  it('gives up on a store that never answers, as STORAGE_UNAVAILABLE', async () => {
    await storage.put('silent.csv', 'x\n');
    s3.faults.set('silent.csv', { kind: 'hang' });
    const started = Date.now();
    const err = await failure(once.head('silent.csv'));
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
    // The socket timeout is twice the 300 ms idle timeout.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('leaves a cancelled request unclassified, for the caller who cancelled it', async () => {
    await storage.put('cancel.csv', 'x\n');
    s3.faults.set('cancel.csv', { kind: 'hang' });
    const controller = new AbortController();
    const pending = storage.head('cancel.csv', controller.signal);
    setTimeout(() => controller.abort(), 50);
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).not.toBeInstanceOf(ImportError);
    expect((err as Error).name).toBe('AbortError');
  });
});
