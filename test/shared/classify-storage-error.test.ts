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

  // Credentials, their permissions and the clock are the service's configuration, not the
  // user's file: retried, so one key rotation does not fail every job for good (DESIGN §6).
  it.each([
    ['AccessDenied', /R2_ACCESS_KEY_ID may not use this object/],
    ['SignatureDoesNotMatch', /R2_SECRET_ACCESS_KEY is not the secret of R2_ACCESS_KEY_ID/],
    ['InvalidAccessKeyId', /does not know the access key in R2_ACCESS_KEY_ID/],
    ['RequestTimeTooSkewed', /clock is too far from storage's/],
    ['ExpiredToken', /credentials have expired/],
  ])('reports %s (403) as ACCESS_DENIED, retried, saying what to fix', (name, fix) => {
    const err = classifyStorageError(s3Error(name, 403), 'uploads/a.csv');
    expect(err.code).toBe('ACCESS_DENIED');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('"uploads/a.csv"');
    expect(err.message).toContain(`(${name})`);
    expect(err.message).toMatch(fix);
  });

  it.each(['Forbidden', 'Unknown', '403'])('reports a 403 named %s, as a HEAD without a body gives, as ACCESS_DENIED listing what to check', (name) => {
    const err = classifyStorageError(s3Error(name, 403), 'k');
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', retryable: true });
    expect(err.message).toMatch(/\(403 Forbidden\): check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY, their access to R2_BUCKET_NAME, and this machine's clock/);
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
