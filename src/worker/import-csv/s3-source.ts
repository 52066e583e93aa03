import { PassThrough, type Readable } from 'node:stream';
import { ImportError } from '../../shared/errors.js';
import { classifyStorageError, type Storage } from '../../shared/storage.js';
import { formatBytes, type ImportSource } from './source.js';

export interface S3SourceOptions {
  /** Refuse before downloading when HEAD reports more than this (bytes are counted too, later). */
  maxBytes?: number;
}

/**
 * An object in the configured bucket: HEAD for its size, then a streamed GET. Every failure,
 * including one the body emits mid-transfer (a reset connection), reaches the engine as an
 * ImportError naming the key.
 */
export function s3Source(storage: Storage, key: string, options: S3SourceOptions = {}): ImportSource {
  return {
    name: key,
    async open(signal) {
      try {
        const { size } = await storage.head(key, signal);
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          throw new ImportError('FILE_TOO_LARGE', `the file is ${formatBytes(size)}; the limit is ${formatBytes(options.maxBytes)}`);
        }
        const { stream } = await storage.open(key, signal);
        // HEAD's size, not the GET's Content-Length: a store may stream the body without one.
        return { stream: mapBodyErrors(stream, key, signal), totalBytes: size };
      } catch (err) {
        throw signal?.aborted ? interrupted(err) : err;
      }
    },
  };
}

/**
 * The SDK hands over the raw response, whose errors are socket errors. This passes the bytes on
 * with backpressure, turns the body's errors into ImportErrors, and destroys the body (freeing
 * its socket) whenever the reader destroys what it was given.
 */
function mapBodyErrors(body: Readable, key: string, signal: AbortSignal | undefined): Readable {
  const out = new PassThrough({ highWaterMark: body.readableHighWaterMark });
  body.once('error', (err) => out.destroy(signal?.aborted ? interrupted(err) : classifyStorageError(err, key)));
  out.once('close', () => body.destroy());
  body.pipe(out);
  return out;
}

const interrupted = (cause: unknown) =>
  new ImportError('SHUTTING_DOWN', 'the import was interrupted (worker shutting down); it will be retried', { cause });
