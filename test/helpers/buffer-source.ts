import { Readable } from 'node:stream';
import type { ImportSource } from '../../src/worker/import-csv/source.js';

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
