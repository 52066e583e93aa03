import { dirname, join } from 'node:path';
import { createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';
import { ImportError } from '../../../shared/errors.js';
import { formatBytes } from './source.js';
import { withSpooledFile } from './spooled-file.js';

/** One entry of a zip's central directory. */
export interface ZipEntry {
  /** The path inside the archive, `/`-separated (`xl/workbook.xml`, `export/data.csv`). */
  name: string;
  /** Inflated size, as the central directory declares it (yauzl holds the entry's bytes to it). */
  size: number;
  directory: boolean;
}

export interface ZipArchive {
  /** Every entry, in the central directory's order, directories included. */
  readonly entries: readonly ZipEntry[];
  /** The entry of that exact name, if there is one. */
  find(name: string): ZipEntry | undefined;
  /**
   * The entry's inflated bytes as they stream, at most `maxBytes` of them (else FILE_TOO_LARGE,
   * before anything is inflated when the directory declares more). Damage is CSV_MALFORMED
   * naming the entry; an encrypted entry, or one compressed in a way zip readers rarely know,
   * is UNSUPPORTED_FILE_TYPE. `onInflated` hears the bytes inflated so far, for progress.
   */
  read(entry: ZipEntry, maxBytes: number, onInflated?: (bytes: number) => void): AsyncGenerator<Buffer>;
  /** A path beside the spooled archive for a reader's own temporary file: removed with the spool. */
  scratchPath(name: string): string;
  /** Runs when the archive is closed, however its borrower ended: what a reader opened is closed there. */
  onClose(release: () => void): void;
}

export interface ZipOptions {
  /** Bound of the spooled archive itself (MAX_FILE_SIZE). */
  maxArchiveBytes: number;
  /** How users know the file, for messages about its entries. */
  fileName: string;
}

/** Inflated chunks: fewer, larger chunks cost less per byte in every stage that reads them. */
const INFLATED_CHUNK_BYTES = 64 * 1024;

/** More entries than any spreadsheet export holds: the directory is kept in memory, so it is bounded. */
const MAX_ENTRIES = 10_000;

/**
 * Lends out a zip archive read from a stream: spooled to a bounded temporary file, since a zip
 * is read from its central directory at the end, and closed and removed however `fn` ends.
 */
export async function withZipArchive<T>(chunks: AsyncIterable<Buffer>, options: ZipOptions, fn: (archive: ZipArchive) => Promise<T>): Promise<T> {
  return withSpooledFile(chunks, options.maxArchiveBytes, async (path) => {
    const zip = await yauzl.openPromise(path, { autoClose: false, validateEntrySizes: true }).catch((err: unknown) => {
      throw damaged(options.fileName, err);
    });
    const releases: (() => void)[] = [];
    try {
      const listed = await listEntries(zip, options.fileName);
      const archive: ZipArchive = {
        ...entriesOf(zip, listed, options.fileName),
        scratchPath: (name) => join(dirname(path), `scratch-${name}`),
        onClose: (release) => void releases.push(release),
      };
      return await fn(archive);
    } finally {
      for (const release of releases) release();
      zip.close();
    }
  });
}

interface Listed {
  entry: ZipEntry;
  raw: yauzl.Entry;
}

async function listEntries(zip: yauzl.ZipFile, fileName: string): Promise<Listed[]> {
  if (zip.entryCount > MAX_ENTRIES) {
    throw new ImportError('UNSUPPORTED_FILE_TYPE', `This zip archive holds ${zip.entryCount} files. Upload the CSV file itself, or a zip holding only it.`, { fileType: 'zip' });
  }
  const listed: Listed[] = [];
  try {
    for await (const raw of zip.eachEntry()) {
      listed.push({ raw, entry: { name: raw.fileName, size: raw.uncompressedSize, directory: raw.fileName.endsWith('/') } });
    }
  } catch (err) {
    throw damaged(fileName, err);
  }
  return listed;
}

function entriesOf(zip: yauzl.ZipFile, listed: Listed[], fileName: string): Pick<ZipArchive, 'entries' | 'find' | 'read'> {
  const byEntry = new Map(listed.map((l) => [l.entry, l.raw]));
  return {
    entries: listed.map((l) => l.entry),
    find: (name) => listed.find((l) => l.entry.name === name)?.entry,
    read(entry, maxBytes, onInflated) {
      const raw = byEntry.get(entry);
      if (!raw) throw new Error(`not an entry of this archive: ${entry.name}`);
      return readEntry(zip, raw, maxBytes, fileName, onInflated);
    },
  };
}

async function* readEntry(
  zip: yauzl.ZipFile,
  raw: yauzl.Entry,
  maxBytes: number,
  fileName: string,
  onInflated: ((bytes: number) => void) | undefined,
): AsyncGenerator<Buffer> {
  if (raw.isEncrypted()) {
    throw new ImportError('UNSUPPORTED_FILE_TYPE', `"${raw.fileName}" in this zip archive is password-protected. Zip it again without a password, or upload the file itself.`, { fileType: 'zip' });
  }
  if (!raw.canDecodeFileData()) {
    throw new ImportError('UNSUPPORTED_FILE_TYPE', `"${raw.fileName}" in this zip archive is compressed with a method this service cannot read (method ${raw.compressionMethod}). Zip it again with the usual settings, or upload the file itself.`, { fileType: 'zip' });
  }
  if (raw.uncompressedSize > maxBytes) throw inflatesPast(raw.fileName, maxBytes);
  let stored;
  try {
    stored = await zip.openReadStreamPromise(raw, { decodeFileData: false });
  } catch (err) {
    throw damaged(fileName, err, raw.fileName);
  }
  // Inflated here rather than by yauzl, whose 16 KiB chunks through three streams cost four times
  // zlib's own work: a 100 MB sheet took 0.5 s of CPU to inflate that way, 0.13 s in 64 KiB chunks.
  const stream = raw.compressionMethod === 8 ? stored.pipe(createInflateRaw({ chunkSize: INFLATED_CHUNK_BYTES })) : stored;
  stored.once('error', (err) => stream.destroy(err));
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw inflatesPast(raw.fileName, maxBytes);
      if (total > raw.uncompressedSize) throw new Error(`it holds more than the ${raw.uncompressedSize} bytes its directory declares`);
      onInflated?.(total);
      yield chunk;
    }
    if (total < raw.uncompressedSize) throw new Error(`it holds ${total} of the ${raw.uncompressedSize} bytes its directory declares`);
  } catch (err) {
    throw err instanceof ImportError ? err : damaged(fileName, err, raw.fileName);
  } finally {
    stream.destroy();
    stored.destroy();
  }
}

const inflatesPast = (entryName: string, maxBytes: number) =>
  new ImportError('FILE_TOO_LARGE', `"${entryName}" in this zip archive inflates to more than the limit of ${formatBytes(maxBytes)}`);

function damaged(fileName: string, cause: unknown, entryName?: string): ImportError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const where = entryName ? `"${entryName}" in this zip archive` : 'this zip archive';
  return new ImportError('CSV_MALFORMED', `${where} is damaged or cut short (${detail}). Upload "${fileName}" again, or the file it holds.`, { cause });
}
