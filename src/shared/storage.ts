import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { StorageConfig } from './config.js';
import { ImportError, NETWORK_CODES } from './errors.js';

export interface ObjectInfo {
  size: number;
  etag?: string;
}

export interface OpenedObject {
  stream: Readable;
  /** The GET's Content-Length; undefined when the store streams without one. */
  totalBytes: number | undefined;
}

/** The one bucket this service reads (DESIGN §8), over the S3 API of R2 or a stand-in. */
export interface Storage {
  readonly bucket: string;
  /** @throws ImportError FILE_NOT_FOUND (permanent), or ACCESS_DENIED or another transient storage code. */
  head(key: string, signal?: AbortSignal): Promise<ObjectInfo>;
  /**
   * Streams the object. The caller must consume or destroy `stream`, or its socket leaks; the
   * SDK's timeouts do not cover a body that stalls mid-transfer (put an idle timer on it).
   * With `ifMatch` (an ETag from head) it is that version or SOURCE_CHANGED.
   */
  open(key: string, signal?: AbortSignal, options?: { ifMatch?: string }): Promise<OpenedObject>;
  /** Succeeds for a key that does not exist (S3 answers 204 either way). */
  delete(key: string): Promise<void>;
  /** A Readable body needs its length: S3 and R2 refuse uploads of unknown size. */
  put(key: string, body: Buffer | Readable | string, contentLength?: number): Promise<void>;
  /**
   * Streams a body of unknown length to `key` as a multipart upload, in constant memory (one part
   * at a time); aborted (no object, no parts left behind) when `signal` aborts or `body` fails.
   */
  upload(key: string, body: Readable, options?: { contentType?: string; signal?: AbortSignal }): Promise<void>;
  /** Closes the client's pooled sockets. */
  close(): void;
}

export interface StorageOptions {
  /** SDK attempts per request, first one included; BullMQ retries the whole job on top. */
  maxAttempts?: number;
}

export function createStorage(config: StorageConfig, options: StorageOptions = {}): Storage {
  const client = createS3Client(config, options);
  const bucket = config.R2_BUCKET_NAME;
  const send = async <T>(key: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      // Our caller cancelled: not a storage fault, and the caller knows why.
      if (signal?.aborted) throw err;
      throw classifyStorageError(err, key);
    }
  };

  return {
    bucket,
    head: (key, signal) =>
      send(key, signal, async () => {
        const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        // R2 always sends a length; without one the byte count while streaming still guards the limit.
        return { size: res.ContentLength ?? 0, ...(res.ETag ? { etag: res.ETag } : {}) };
      }),
    open: (key, signal, options = {}) =>
      send(key, signal, async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: options.ifMatch }), { abortSignal: signal });
        return { stream: res.Body as Readable, totalBytes: res.ContentLength };
      }),
    delete: (key) =>
      send(key, undefined, async () => {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }),
    put: (key, body, contentLength) =>
      send(key, undefined, async () => {
        if (typeof body !== 'string' && !Buffer.isBuffer(body) && contentLength === undefined) {
          throw new TypeError(`put("${key}"): a stream body needs its contentLength`);
        }
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: contentLength ?? Buffer.byteLength(body as Buffer | string) }),
        );
      }),
    upload: (key, body, options = {}) =>
      send(key, options.signal, async () => {
        // One part in flight: the report is written while the import runs, and must not compete with it.
        const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: body, ContentType: options.contentType }, queueSize: 1 });
        const abort = () => void upload.abort().catch(() => undefined);
        options.signal?.addEventListener('abort', abort, { once: true });
        try {
          await upload.done();
        } finally {
          options.signal?.removeEventListener('abort', abort);
        }
      }),
    close: () => client.destroy(),
  };
}

function createS3Client(config: StorageConfig, options: StorageOptions): S3Client {
  const endpoint = config.S3_ENDPOINT ?? `https://${config.R2_ACCOUNT_ID}.r2.cloudflarestorage.com`;
  return new S3Client({
    region: 'auto',
    endpoint,
    forcePathStyle: Boolean(config.S3_ENDPOINT),
    credentials: { accessKeyId: config.R2_ACCESS_KEY_ID, secretAccessKey: config.R2_SECRET_ACCESS_KEY },
    // R2 rejected the aws-chunked CRC32 uploads of the SDK's newer defaults (PROTOCOLS.md).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      connectionTimeout: 10_000,
      // Socket inactivity, body included. Twice the idle timeout so that the reader's own idle
      // timer (guardSource) reports a stalled body first, as STORAGE_STALLED; this one is the
      // backstop for a store that never sends its headers.
      socketTimeout: config.STORAGE_IDLE_TIMEOUT_MS * 2,
    },
  });
}

// Storage also retries an aborted connection, an unreachable host or network, and a body cut short.
const STORAGE_NETWORK_CODES = new Set([...NETWORK_CODES, 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_PREMATURE_CLOSE']);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'SlowDown', 'ServiceUnavailable', 'InternalError', 'ThrottlingException']);
const NETWORK_MESSAGE = /socket hang up|aborted|premature close|timed? ?out|other side closed|ECONNRESET|ECONNREFUSED/i;

interface ErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * What an operator fixes, by the code storage refused with. This service reads one bucket with
 * one key pair, so a 403 never means the user may not read their file: our credentials, their
 * permissions or this machine's clock are wrong, and every job fails alike until someone fixes
 * that. So no 403 is permanent (DESIGN §6): one key rotation must not fail every job for good.
 * The one 403 about an object, S3's InvalidObjectState (archived in Glacier), cannot happen on
 * R2, which has no archive tier, and restoring the object cures it too; attempts bound the retries.
 */
const FORBIDDEN_REASONS = new Map([
  ['AccessDenied', 'the credentials in R2_ACCESS_KEY_ID may not use this object (give the token read and write access to R2_BUCKET_NAME)'],
  ['InvalidAccessKeyId', 'storage does not know the access key in R2_ACCESS_KEY_ID (rotated or deleted?)'],
  ['SignatureDoesNotMatch', 'R2_SECRET_ACCESS_KEY is not the secret of R2_ACCESS_KEY_ID'],
  ['RequestTimeTooSkewed', "this machine's clock is too far from storage's (synchronise it with NTP)"],
  ['ExpiredToken', 'the storage credentials have expired (renew R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY)'],
  ['InvalidToken', 'storage does not accept the credentials (renew R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY)'],
]);
// A HEAD answer has no body, so a refused HEAD cannot say which of the above it is.
const FORBIDDEN_UNEXPLAINED =
  "check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY, their access to R2_BUCKET_NAME, and this machine's clock";

/**
 * Maps whatever an S3 call or an object body threw to an ImportError naming the key: missing →
 * FILE_NOT_FOUND (permanent); forbidden → ACCESS_DENIED, naming what to fix; another version
 * than the one asked for → SOURCE_CHANGED; 5xx, throttling, resets, refusals and timeouts →
 * STORAGE_UNAVAILABLE (all retried). Anything else is INTERNAL (retried, bounded).
 */
export function classifyStorageError(err: unknown, key: string): ImportError {
  if (err instanceof ImportError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
  const name = str(e.Code) || str(e.name);
  const code = str(e.code);
  const message = str(e.message);
  const status = e.$metadata?.httpStatusCode;
  const cause = { cause: err };

  if (name === 'NoSuchBucket') {
    // The configured bucket is wrong: the operator can fix it, so it stays retryable.
    return new ImportError('STORAGE_UNAVAILABLE', `the storage bucket does not exist (check R2_BUCKET_NAME), so "${key}" cannot be reached`, cause);
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return new ImportError('FILE_NOT_FOUND', `the file "${key}" does not exist in storage`, cause);
  }
  if (name === 'PreconditionFailed' || status === 412) {
    // Only a GET pinned to an ETag asks for a precondition: the object is another version now.
    return new ImportError('SOURCE_CHANGED', `the file "${key}" was replaced while it was being imported; the import will be retried with the new file`, cause);
  }
  const forbidden = FORBIDDEN_REASONS.get(name);
  if (forbidden || status === 403) {
    const refusal = forbidden ? name : '403 Forbidden';
    return new ImportError('ACCESS_DENIED', `storage refused access to "${key}" (${refusal}): ${forbidden ?? FORBIDDEN_UNEXPLAINED}; it will be retried`, cause);
  }
  if ((status !== undefined && (status >= 500 || status === 429)) || NETWORK_NAMES.has(name)) {
    return new ImportError('STORAGE_UNAVAILABLE', `storage is unavailable (${status ?? name}) while reading "${key}"; it will be retried`, cause);
  }
  if (STORAGE_NETWORK_CODES.has(code) || NETWORK_MESSAGE.test(message)) {
    return new ImportError('STORAGE_UNAVAILABLE', `the connection to storage failed (${code || message}) while reading "${key}"; it will be retried`, cause);
  }
  return new ImportError('INTERNAL', `unexpected storage error for "${key}": ${message || name || String(err)}`, cause);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
