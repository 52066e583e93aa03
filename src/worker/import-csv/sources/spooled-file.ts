import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImportError } from '../../../shared/errors.js';
import { formatBytes } from './source.js';

/**
 * Writes a stream to a temporary file of its own and lends out its path: a format whose index is
 * at the end (a zip's central directory) cannot be read as it streams. The file is bounded, so a
 * download cannot fill the disk, and removed however `fn` ends.
 */
export async function withSpooledFile<T>(chunks: AsyncIterable<Buffer>, maxBytes: number, fn: (path: string) => Promise<T>): Promise<T> {
  // A directory per spool (mkdtemp): a fixed name in a shared temp directory could be planted.
  const dir = await mkdtemp(join(tmpdir(), 'csv-import-spool-'));
  try {
    const path = join(dir, 'object');
    await pipeline(bounded(chunks, maxBytes), createWriteStream(path));
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function* bounded(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maxBytes) throw new ImportError('FILE_TOO_LARGE', `the file is larger than the limit of ${formatBytes(maxBytes)}`);
    yield chunk;
  }
}
