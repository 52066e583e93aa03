import type { Compression, FileType } from '../../../shared/contract.js';
import { fileKindOf, refusedFile, zipKindOf, type FileKind } from './file-kind.js';
import { inflateGzip } from './inflate-gzip.js';
import { withZipArchive, type ZipArchive } from './zip-archive.js';

/** The bytes of the text inside the stored object, and what it was; or the workbook it is, opened. */
export type FileContent =
  | {
      chunks: AsyncGenerator<Buffer>;
      fileType: FileType;
      compression?: Compression;
      /**
       * The share of the text read so far (0 to 1), where the stored bytes counted as they arrive
       * do not tell it: a zip is spooled whole before its entry is read.
       */
      readShare?: () => number;
      workbook?: undefined;
    }
  | { workbook: ZipArchive; fileType: 'xlsx' };

export interface OpenFileOptions {
  /** How users know the file (its key or path). */
  name: string;
  /** The stored object's size. */
  storedBytes: number;
  maxFileBytes: number;
  maxInflatedBytes: number;
  /** `csv.encoding`: a declared UTF-16 file is text, NULs and all. */
  declaredEncoding: string;
}

/** Enough for every signature, and the sample the text check judges (encoding detection's too). */
const HEAD_BYTES = 64 * 1024;
/** OpenDocument's `mimetype` entry holds one short line. */
const MIMETYPE_BYTES = 256;

/**
 * Decides what the stored object is from its first bytes, before anything is decoded (DESIGN
 * §5.6), and lends out the text it holds: the object itself, a gzip stream's inflated bytes, or
 * a zip's one text file. Everything else is refused, whether plain or compressed, so no file
 * that is not text reaches the parser, whatever `invalidRows` says.
 */
export async function withFileContent<T>(chunks: AsyncGenerator<Buffer>, options: OpenFileOptions, fn: (content: FileContent) => Promise<T>): Promise<T> {
  const { head, all } = await peek(chunks, HEAD_BYTES);
  const kind = fileKindOf(head, options.declaredEncoding);
  if (kind.kind === 'text') return fn({ chunks: all, fileType: 'csv' });
  if (kind.kind === 'refused') throw refusedFile(kind);
  if (kind.kind === 'gzip') {
    const inflated = inflateGzip(all, { maxInflatedBytes: options.maxInflatedBytes, storedBytes: options.storedBytes });
    return withInnerText(inflated, 'gzip', 'a gzip file holding', options, fn);
  }
  return withZipArchive(all, { maxArchiveBytes: options.maxFileBytes, fileName: options.name }, async (archive) => {
    const zipKind = zipKindOf(archive.entries, await mimetypeOf(archive));
    if (zipKind.kind === 'workbook') return fn({ workbook: archive, fileType: 'xlsx' });
    if (zipKind.kind === 'refused') throw refusedFile(zipKind);
    let inflated = 0;
    const entry = archive.read(zipKind.entry, options.maxInflatedBytes, (n) => (inflated = n));
    const readShare = () => Math.min(1, inflated / Math.max(1, zipKind.entry.size));
    return withInnerText(entry, 'zip', `a zip archive whose "${zipKind.entry.name}" is`, options, fn, readShare);
  });
}

/** The file inside a gzip stream or a zip archive, judged again; one level only. */
async function withInnerText<T>(
  chunks: AsyncGenerator<Buffer>,
  compression: Compression,
  holding: string,
  options: OpenFileOptions,
  fn: (content: FileContent) => Promise<T>,
  readShare?: () => number,
): Promise<T> {
  try {
    const { head, all } = await peek(chunks, HEAD_BYTES);
    const kind = innerKind(fileKindOf(head, options.declaredEncoding));
    if (kind.kind === 'refused') throw refusedFile({ fileType: kind.fileType, what: `${holding} ${kind.what}` });
    return await fn({ chunks: all, fileType: 'csv', compression, ...(readShare ? { readShare } : {}) });
  } finally {
    await chunks.return(undefined);
  }
}

function innerKind(kind: FileKind): FileKind {
  if (kind.kind === 'gzip') return { kind: 'refused', fileType: 'gzip', what: 'another compressed (gzip) file' };
  if (kind.kind === 'zip') return { kind: 'refused', fileType: 'zip', what: 'a zip archive' };
  return kind;
}

async function mimetypeOf(archive: ZipArchive): Promise<string | undefined> {
  const entry = archive.find('mimetype');
  if (!entry || entry.size > MIMETYPE_BYTES) return undefined;
  const parts: Buffer[] = [];
  for await (const part of archive.read(entry, MIMETYPE_BYTES)) parts.push(part);
  return Buffer.concat(parts).toString('latin1');
}

/** The first `bytes` (fewer when the stream is shorter), and the whole stream again from its start. */
async function peek(chunks: AsyncGenerator<Buffer>, bytes: number): Promise<{ head: Buffer; all: AsyncGenerator<Buffer> }> {
  const parts: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const next = await chunks.next();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(next.value);
    size += next.value.length;
  }
  const read = Buffer.concat(parts);
  async function* all(): AsyncGenerator<Buffer> {
    if (read.length) yield read;
    if (!done) yield* chunks;
  }
  // Exactly the first `bytes`, whatever size the chunks were: the text check's rule is stated on them.
  return { head: read.subarray(0, bytes), all: all() };
}
