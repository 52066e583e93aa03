import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { classifyStorageError } from '../../src/shared/storage.js';

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const socketError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyStorageError', () => {
  it.each([
    ['NoSuchKey', 404],
    ['NotFound', 404],
    ['Unknown', 404],
  ])('reports %s (%i) as FILE_NOT_FOUND naming the key', (name, status) => {
    const err = classifyStorageError(s3Error(name, status), 'uploads/a.csv');
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('"uploads/a.csv"');
  });

  it.each([
    ['AccessDenied', 403],
    ['Unknown', 403],
  ])('reports %s (%i) as ACCESS_DENIED', (name, status) => {
    expect(classifyStorageError(s3Error(name, status), 'k').code).toBe('ACCESS_DENIED');
  });

  it.each([
    ['InternalError', 500],
    ['Unknown', 502],
    ['SlowDown', 503],
    ['TooManyRequests', 429],
  ])('reports %s (%i) as STORAGE_UNAVAILABLE, which is retried', (name, status) => {
    const err = classifyStorageError(s3Error(name, status), 'k');
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it.each([
    socketError('ECONNRESET', 'aborted'),
    socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
    socketError('EPIPE'),
    socketError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'),
    new Error('socket hang up'),
    Object.assign(new Error('the request socket timed out after 600 ms of inactivity'), { name: 'TimeoutError' }),
  ])('reports the network failure "%s" as STORAGE_UNAVAILABLE', (cause) => {
    const err = classifyStorageError(cause, 'k');
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
    expect(err.cause).toBe(cause);
  });

  it('keeps a wrong bucket retryable, since an operator can fix the configuration', () => {
    const err = classifyStorageError(s3Error('NoSuchBucket', 404), 'k');
    expect(err.code).toBe('STORAGE_UNAVAILABLE');
    expect(err.message).toContain('R2_BUCKET_NAME');
  });

  it('passes an ImportError through unchanged', () => {
    const original = new ImportError('STORAGE_STALLED', 'stalled');
    expect(classifyStorageError(original, 'k')).toBe(original);
  });

  it('reports anything else as INTERNAL, which is retried a bounded number of times', () => {
    const err = classifyStorageError(new TypeError('x is not a function'), 'k');
    expect(err.code).toBe('INTERNAL');
    expect(err.retryable).toBe(true);
  });
});
