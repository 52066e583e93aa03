import { isEncryptedWorkbook } from './workbook/encrypted-workbook.js';
import type { RefusedFileType } from '../../../shared/contract.js';
import { ImportError } from '../../../shared/errors.js';
import { looksLikeUtf16 } from '../encoding/detect-encoding.js';
import { markupKindOf } from './markup-file.js';
import type { ZipEntry } from './zip-archive.js';

/**
 * What a file is, from its first bytes, before anything is decoded (DESIGN §5.6): the one table
 * of signatures. Text and workbooks become lists; gzip and zip are opened and judged again;
 * everything else is refused in the user's words, with what to do instead.
 */
export type FileKind =
  | { kind: 'text' }
  | { kind: 'gzip' }
  | { kind: 'zip' }
  | { kind: 'refused'; fileType: RefusedFileType; what: string };

interface Refusal {
  fileType: RefusedFileType;
  /** What the file is, as a user knows it. */
  what: string;
}

interface Signature {
  bytes: string | number[];
  offset?: number;
  /** A second look, where the magic number alone is short enough to begin a line of text. */
  confirm?(head: Buffer): boolean;
  is: Refusal | 'gzip' | 'zip' | ((head: Buffer) => Refusal);
}

const SIGNATURES: readonly Signature[] = [
  { bytes: [0x1f, 0x8b], is: 'gzip' },
  // A local file header; an empty archive and a spanned one start with their own records.
  { bytes: 'PK\x03\x04', is: 'zip' },
  { bytes: 'PK\x05\x06', is: 'zip' },
  { bytes: 'PK\x07\x08', is: 'zip' },
  // OLE2 compound files: Excel 97–2003, and Word's and PowerPoint's files of the same age.
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], is: oldOfficeFile },
  { bytes: '%PDF-', is: { fileType: 'pdf', what: 'a PDF document' } },
  { bytes: '{\\rtf', is: { fileType: 'rtf', what: 'a rich-text document (.rtf)' } },
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], is: { fileType: 'png', what: 'a PNG image' } },
  { bytes: [0xff, 0xd8, 0xff], is: { fileType: 'jpeg', what: 'a JPEG image' } },
  { bytes: 'GIF87a', is: { fileType: 'gif', what: 'a GIF image' } },
  { bytes: 'GIF89a', is: { fileType: 'gif', what: 'a GIF image' } },
  { bytes: 'WEBP', offset: 8, confirm: (h) => startsWith(h, 'RIFF'), is: { fileType: 'webp', what: 'a WebP image' } },
  { bytes: 'II*\0', is: { fileType: 'tiff', what: 'a TIFF image' } },
  { bytes: 'MM\0*', is: { fileType: 'tiff', what: 'a TIFF image' } },
  { bytes: 'BM', confirm: isBmp, is: { fileType: 'bmp', what: 'a BMP image' } },
  { bytes: 'ftyp', offset: 4, confirm: isHeif, is: { fileType: 'heic', what: 'a HEIC or AVIF photo' } },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], is: { fileType: '7z', what: 'a 7-Zip archive' } },
  { bytes: 'Rar!\x1a\x07', is: { fileType: 'rar', what: 'a RAR archive' } },
  { bytes: 'BZh', confirm: (h) => h[3]! >= 0x31 && h[3]! <= 0x39 && startsWith(h.subarray(4), '1AY&SY'), is: { fileType: 'bzip2', what: 'a bzip2-compressed file' } },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], is: { fileType: 'xz', what: 'an xz-compressed file' } },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], is: { fileType: 'zstd', what: 'a Zstandard-compressed file' } },
  { bytes: 'ustar', offset: 257, is: { fileType: 'tar', what: 'a tar archive' } },
  { bytes: 'SQLite format 3\0', is: { fileType: 'sqlite', what: 'an SQLite database' } },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], is: { fileType: 'executable', what: 'a program (a Linux executable)' } },
  { bytes: 'MZ', confirm: isWindowsProgram, is: { fileType: 'executable', what: 'a program (a Windows executable)' } },
  ...[[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]].map(
    (bytes): Signature => ({ bytes, is: { fileType: 'executable', what: 'a program (a macOS executable)' } }),
  ),
];

/** What the first bytes say the file is; `declaredEncoding` is `csv.encoding` (UTF-16 text is full of NULs). */
export function fileKindOf(head: Buffer, declaredEncoding = 'auto'): FileKind {
  for (const sig of SIGNATURES) {
    if (!startsWith(head.subarray(sig.offset ?? 0), sig.bytes) || (sig.confirm && !sig.confirm(head))) continue;
    if (sig.is === 'gzip' || sig.is === 'zip') return { kind: sig.is };
    return { kind: 'refused', ...(typeof sig.is === 'function' ? sig.is(head) : sig.is) };
  }
  const utf16 = isUtf16(head, declaredEncoding);
  const markup = markupKindOf(head, utf16);
  if (markup) return { kind: 'refused', ...markup };
  if (utf16) return { kind: 'text' };
  const binary = binaryBytes(head);
  if (binary.count > MAX_TRACE && binary.count > head.length / 100) {
    return { kind: 'refused', fileType: 'binary', what: `not a text file: its first ${head.length} bytes hold ${binary.count} bytes that text never has (the first at byte ${binary.first + 1})` };
  }
  return { kind: 'text' };
}

/** The error a refused file fails with: what it is, then what the user can do. */
export function refusedFile(refused: Refusal, advice = ADVICE[refused.fileType]): ImportError {
  return new ImportError('UNSUPPORTED_FILE_TYPE', `This is ${refused.what}. ${advice}`, { fileType: refused.fileType });
}

const SAVE_AS = 'Save it as .xlsx or CSV and upload it again.';
const UNPACK = 'Unpack it and upload the CSV file inside (a .zip holding just that file is read too).';
const IMAGE = 'Upload the table itself as a CSV or .xlsx file, not a picture of it.';
const DOCUMENT = 'Copy the table into a spreadsheet, save it as CSV or .xlsx, and upload that.';

const ADVICE: Record<RefusedFileType, string> = {
  xls: SAVE_AS, xlsb: SAVE_AS, ods: SAVE_AS,
  // The one workbook refused is one encrypted with a password: its cells cannot be read.
  xlsx: 'Open it in Excel, remove the password (File › Info › Protect Workbook › Encrypt with Password, then clear it), save it and upload it again, or save the sheet as CSV.',
  pdf: 'Export the table as CSV or .xlsx from the program that made the PDF, and upload that.',
  png: IMAGE, jpeg: IMAGE, gif: IMAGE, webp: IMAGE, tiff: IMAGE, bmp: IMAGE, heic: IMAGE,
  docx: DOCUMENT, doc: DOCUMENT, odt: DOCUMENT, rtf: DOCUMENT, pptx: DOCUMENT, ppt: DOCUMENT, odp: DOCUMENT,
  zip: 'Upload the CSV file itself, or a .zip holding only that one .csv, .tsv or .txt file.',
  gzip: 'Upload the CSV file itself, compressed once at most.',
  '7z': UNPACK, rar: UNPACK, bzip2: UNPACK, xz: UNPACK, zstd: UNPACK, tar: UNPACK,
  sqlite: 'Export the table as CSV and upload that.',
  executable: 'Upload the CSV or .xlsx file itself.',
  binary: 'Save the table as CSV (or .xlsx) and upload that.',
  html: 'Open it in a spreadsheet program and save it as .xlsx or CSV, or export the table as CSV from where it came.',
  xml: 'Open it in a spreadsheet program and save it as .xlsx or CSV, or export the table as CSV from the program that made it.',
};

function startsWith(b: Buffer, bytes: string | number[]): boolean {
  const want = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  if (b.length < want.length) return false;
  for (let i = 0; i < want.length; i++) if (b[i] !== want[i]) return false;
  return true;
}

/**
 * An OLE2 file names its streams in UTF-16 in a directory near its start: Word's and
 * PowerPoint's have streams of their own; anything else of that family is an Excel workbook.
 */
function oldOfficeFile(head: Buffer): Refusal {
  if (isEncryptedWorkbook(head)) return { fileType: 'xlsx', what: 'an Excel workbook protected with a password' };
  if (head.includes(Buffer.from('WordDocument', 'utf16le'))) return { fileType: 'doc', what: 'a Word 97–2003 document (.doc)' };
  if (head.includes(Buffer.from('PowerPoint Document', 'utf16le'))) return { fileType: 'ppt', what: 'a PowerPoint 97–2003 presentation (.ppt)' };
  return { fileType: 'xls', what: 'an Excel 97–2003 workbook (.xls)' };
}

// "BM" can begin a line of text ("BMW,…"): a bitmap's header also has four reserved zero bytes
// and a known size of its second header.
const BMP_INFO_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
function isBmp(h: Buffer): boolean {
  return h.length >= 18 && h.readUInt32LE(6) === 0 && BMP_INFO_SIZES.has(h.readUInt32LE(14));
}

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1', 'avif']);
function isHeif(h: Buffer): boolean {
  return h.length >= 12 && HEIF_BRANDS.has(h.toString('latin1', 8, 12));
}

/** "MZ" can begin text too: a Windows program has the offset of its "PE\0\0" header at 0x3C. */
function isWindowsProgram(h: Buffer): boolean {
  if (h.length < 0x40) return false;
  const pe = h.readUInt32LE(0x3c);
  return pe + 4 <= h.length && startsWith(h.subarray(pe), 'PE\0\0');
}

function isUtf16(head: Buffer, declared: string): boolean {
  if (/^utf-?16|^ucs-?2$/i.test(declared)) return true;
  const bom = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  return bom || looksLikeUtf16(head);
}

/**
 * A few NULs or control characters are a trace some exporters leave (they are removed and
 * counted, DESIGN §5); more than this, and more than 1% of the sample, is not text in any
 * encoding this service reads.
 */
const MAX_TRACE = 3;

/**
 * C0 control bytes other than the whitespace ones (tab, line feed, vertical tab and form feed,
 * which some exporters write inside cells, carriage return), ESC (terminal colour codes in
 * exported logs) and DOS's end-of-file mark; and DEL.
 */
function binaryBytes(head: Buffer): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let i = 0; i < head.length; i++) {
    const c = head[i]!;
    if ((c < 0x20 && !TEXT_CONTROLS.has(c)) || c === 0x7f) {
      count++;
      if (first < 0) first = i;
    }
  }
  return { count, first };
}
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1a, 0x1b]);

/** What a zip archive is, from its entries (and its `mimetype` entry, for OpenDocument files). */
export type ZipKind =
  | { kind: 'workbook' }
  | { kind: 'text'; entry: ZipEntry }
  | { kind: 'refused'; fileType: RefusedFileType; what: string; advice?: string };

const TEXT_ENTRY = /\.(csv|tsv|txt)$/i;
const ODF_TYPES: Record<string, Refusal> = {
  'application/vnd.oasis.opendocument.spreadsheet': { fileType: 'ods', what: 'an OpenDocument spreadsheet (.ods)' },
  'application/vnd.oasis.opendocument.text': { fileType: 'odt', what: 'an OpenDocument text document (.odt)' },
  'application/vnd.oasis.opendocument.presentation': { fileType: 'odp', what: 'an OpenDocument presentation (.odp)' },
};

export function zipKindOf(entries: readonly ZipEntry[], mimetype?: string): ZipKind {
  const has = (name: string) => entries.some((e) => e.name === name);
  if (has('[Content_Types].xml')) {
    if (has('xl/workbook.xml')) return { kind: 'workbook' };
    if (has('xl/workbook.bin')) return { kind: 'refused', fileType: 'xlsb', what: 'an Excel binary workbook (.xlsb)' };
    if (has('word/document.xml')) return { kind: 'refused', fileType: 'docx', what: 'a Word document (.docx)' };
    if (has('ppt/presentation.xml')) return { kind: 'refused', fileType: 'pptx', what: 'a PowerPoint presentation (.pptx)' };
  }
  const odf = mimetype !== undefined ? ODF_TYPES[mimetype.trim()] : undefined;
  if (odf) return { kind: 'refused', ...odf };
  // What the user put in the archive: not its folders, nor what macOS's archiver adds.
  const files = entries.filter((e) => !e.directory && !e.name.startsWith('__MACOSX/') && !/(^|\/)\.DS_Store$/.test(e.name));
  const [only] = files;
  if (files.length === 1 && only && TEXT_ENTRY.test(only.name)) return { kind: 'text', entry: only };
  return { kind: 'refused', fileType: 'zip', what: `a zip archive holding ${holding(files)}` };
}

function holding(files: readonly ZipEntry[]): string {
  if (files.length === 0) return 'no files';
  const shown = files.slice(0, 5).map((f) => `"${f.name}"`).join(', ');
  const more = files.length > 5 ? ` and ${files.length - 5} more` : '';
  return files.length === 1 ? `one file, ${shown}, which is not a .csv, .tsv or .txt file` : `${files.length} files (${shown}${more}), not one .csv, .tsv or .txt file`;
}
