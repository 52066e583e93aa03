import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ImportError } from '../../../shared/errors.js';
import { formatBytes } from './source.js';

export interface InflateLimits {
  /** MAX_INFLATED_BYTES: what the file may inflate to. */
  maxInflatedBytes: number;
  /** The stored object's size, so the ratio seen so far tells what the whole file inflates to. */
  storedBytes: number;
}

/**
 * Past this much inflated, the ratio so far, times the stored size, estimates what the whole
 * file inflates to: a gzip bomb (a few MB of repeated rows inflating past the limit at about
 * 1,000:1) is refused here, after a fraction of a second, instead of after parsing gigabytes.
 * Small, because rows of a bomb are short and parsing costs per row: 32 MiB of `1,2` rows took
 * 15 s of CPU. The price: a file whose first MiB compresses far better than the rest, and whose
 * estimate passes the limit while its true size does not, is refused (docs/FILES.md).
 */
const RATIO_SAMPLE_BYTES = 1024 * 1024;

/**
 * A gzip stream's inflated bytes, as it streams (one level: what it holds is judged again).
 * Bounded by MAX_INFLATED_BYTES, or sooner by the ratio guard; a stream cut short or damaged
 * fails CSV_MALFORMED, so its rows are never committed.
 */
export async function* inflateGzip(chunks: AsyncIterable<Buffer>, limits: InflateLimits): AsyncGenerator<Buffer> {
  const inflater = createGunzip();
  // The source's own errors (a download that broke, FILE_TOO_LARGE) reach the reader below.
  const feeding = pipeline(chunks, inflater).catch((err: unknown) => inflater.destroy(err as Error));
  let inflated = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      checkSize(inflated, inflater.bytesWritten, limits);
      yield chunk;
    }
  } catch (err) {
    throw gzipError(err);
  } finally {
    inflater.destroy();
    await feeding;
  }
}

function checkSize(inflated: number, consumed: number, limits: InflateLimits): void {
  const { maxInflatedBytes, storedBytes } = limits;
  if (inflated > maxInflatedBytes) {
    throw new ImportError('FILE_TOO_LARGE', `the compressed file inflates to more than the limit of ${formatBytes(maxInflatedBytes)}`);
  }
  if (inflated < RATIO_SAMPLE_BYTES || consumed === 0) return;
  const projected = (inflated / consumed) * storedBytes;
  if (projected > maxInflatedBytes) {
    throw new ImportError(
      'FILE_TOO_LARGE',
      `the compressed file would inflate to about ${formatBytes(Math.round(projected))} (its first ${formatBytes(consumed)} inflated to ${formatBytes(inflated)}); the limit is ${formatBytes(maxInflatedBytes)}`,
    );
  }
}

function gzipError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR') {
    return new ImportError('CSV_MALFORMED', 'the gzip file is cut short: it ends before its compressed data does. Upload it again, or the CSV file itself.', { cause: err });
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new ImportError('CSV_MALFORMED', `the gzip file is damaged (${(err as Error).message}). Upload it again, or the CSV file itself.`, { cause: err });
  }
  return err;
}
