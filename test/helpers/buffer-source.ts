import { Readable } from 'node:stream';
import type { ImportSource } from '../../src/worker/import-csv/sources/source.js';

/**
 * A file held in memory, read as chunks cut at the given byte offsets: how a network read may
 * split it (inside a UTF-8 sequence, a UTF-16 pair, a quoted field, a CRLF).
 */
export function bufferSource(bytes: Buffer, cuts: readonly number[] = [], name = 'memory.csv'): ImportSource {
  return {
    name,
    async open() {
      return { stream: Readable.from(splitAt(bytes, cuts)), totalBytes: bytes.length };
    },
  };
}

/** The bytes cut at each offset strictly inside them (duplicates and out-of-range offsets ignored). */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const offsets = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const end of [...offsets, bytes.length]) {
    if (end > start) chunks.push(bytes.subarray(start, end));
    start = end;
  }
  return chunks;
}

/**
 * Like `bufferSource`, but each chunk arrives in a later turn of the event loop, as a socket's
 * reads do. Chunks that are all there at once are handed on in microtasks, which never let a
 * timer run: a test that measures how long the engine blocks the loop needs this one.
 */
export function pacedSource(bytes: Buffer, cuts: readonly number[] = [], name = 'memory.csv'): ImportSource {
  return {
    name,
    async open() {
      return { stream: Readable.from(paced(splitAt(bytes, cuts))), totalBytes: bytes.length };
    },
  };
}

async function* paced(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) {
    await new Promise((resolve) => setImmediate(resolve));
    yield chunk;
  }
}
