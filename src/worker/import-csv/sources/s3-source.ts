import { Transform, type Readable } from 'node:stream';
import { ImportError } from '../../../shared/errors.js';
import { classifyStorageError, type ObjectInfo, type Storage } from '../../../shared/storage.js';
import { formatBytes, type ImportSource } from './source.js';

export interface S3SourceOptions {
  /** Refuse before downloading when HEAD reports more than this (bytes are counted too, later). */
  maxBytes?: number;
}

/**
 * An object in the configured bucket: HEAD for its size and ETag, then a streamed GET of that
 * version only (If-Match), whose bytes must add up to HEAD's size. A re-plan pass reads the same
 * version again: the object replaced meanwhile is SOURCE_CHANGED, never a list made of two
 * files. Every failure, including one the body emits mid-transfer (a reset connection), reaches
 * the engine as an ImportError naming the key.
 */
export function s3Source(storage: Storage, key: string, options: S3SourceOptions = {}): ImportSource {
  let pinned: ObjectInfo | undefined;
  return {
    name: key,
    async open(signal) {
      try {
        pinned ??= await storage.head(key, signal);
        const { size, etag } = pinned;
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          throw new ImportError('FILE_TOO_LARGE', `the file is ${formatBytes(size)}; the limit is ${formatBytes(options.maxBytes)}`);
        }
        const { stream } = await storage.open(key, signal, { ifMatch: etag });
        // HEAD's size, not the GET's Content-Length: a store may stream the body without one.
        return { stream: checkedBody(stream, key, size, signal), totalBytes: size };
      } catch (err) {
        throw signal?.aborted ? interrupted(err) : err;
      }
    },
  };
}

/**
 * The SDK hands over the raw response, whose errors are socket errors. This passes the bytes on
 * with backpressure, turns the body's errors into ImportErrors, fails a body that ends cleanly
 * with another number of bytes than HEAD's size (a truncated response would otherwise be
 * committed as a short list), and destroys the body (freeing its socket) whenever the reader
 * destroys what it was given.
 */
function checkedBody(body: Readable, key: string, size: number, signal: AbortSignal | undefined): Readable {
  let received = 0;
  const out = new Transform({
    highWaterMark: body.readableHighWaterMark,
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      done(received === size ? null : sizeMismatch(key, received, size));
    },
  });
  body.once('error', (err) => out.destroy(signal?.aborted ? interrupted(err) : classifyStorageError(err, key)));
  out.once('close', () => body.destroy());
  body.pipe(out);
  return out;
}

const sizeMismatch = (key: string, received: number, size: number) =>
  new ImportError(
    'STORAGE_SHORT_READ',
    received < size
      ? `the download of "${key}" ended after ${received} of its ${size} bytes; it will be retried`
      : `storage sent ${received} bytes for "${key}", which has ${size}; it will be retried`,
  );

const interrupted = (cause: unknown) =>
  new ImportError('SHUTTING_DOWN', 'the import was interrupted (worker shutting down); it will be retried', { cause });
