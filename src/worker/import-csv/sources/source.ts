import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ImportError } from '../../../shared/errors.js';
import { withTimeout } from '../../../shared/with-timeout.js';

export interface OpenedSource {
  stream: Readable;
  totalBytes: number;
}

/** Where an import reads its bytes from; opened once per pass (a re-plan reads the file again). */
export interface ImportSource {
  /** How users know the file (its key or path), used in error messages. */
  name: string;
  open(signal?: AbortSignal): Promise<OpenedSource>;
}

export function fileSource(path: string): ImportSource {
  return {
    name: path,
    async open() {
      const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT'
          ? new ImportError('FILE_NOT_FOUND', `the file "${path}" does not exist`)
          : err;
      });
      return { stream: createReadStream(path, { highWaterMark: 256 * 1024 }), totalBytes: info.size };
    },
  };
}

export interface GuardOptions {
  maxBytes: number;
  idleTimeoutMs?: number;
  onBytes(total: number): void;
}

/**
 * Counts bytes as they arrive (a lying Content-Length cannot get past the limit) and fails a read
 * that waits longer than the idle timeout. Only time spent waiting on the source counts, so a
 * slow consumer downstream is never mistaken for a stalled download.
 */
export async function* guardSource(stream: Readable, opts: GuardOptions): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let total = 0;
  try {
    for (;;) {
      const next = await withIdleTimeout(it.next(), opts.idleTimeoutMs);
      if (next.done) return;
      total += next.value.length;
      if (total > opts.maxBytes) {
        throw new ImportError('FILE_TOO_LARGE', `the file is larger than the limit of ${formatBytes(opts.maxBytes)}`);
      }
      opts.onBytes(total);
      yield next.value;
    }
  } finally {
    stream.destroy();
  }
}

function withIdleTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T> {
  if (!ms) return promise;
  return withTimeout(promise, ms, () => new ImportError('STORAGE_STALLED', `the download stalled: no data for ${ms} ms; it will be retried`));
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}
