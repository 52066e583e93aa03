import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import bmp from 'bmp-js';
import sharp from 'sharp';
import { createTempDir } from './temp-csv.js';

/**
 * Files of other kinds, written during the test run by the real programs and libraries that
 * write them (nothing third-party is committed): Info-ZIP's zip, gzip, LibreOffice, sharp.
 */

const run = promisify(execFile);
const temp = createTempDir('csv-import-made-');

/** Removes what the writers left; call in afterAll. */
export const removeMadeFiles = () => temp.remove();

/** A zip written by the `zip` command from the given files (path inside the archive → content), folders as entries. */
export function zipOf(files: Record<string, string | Buffer>): Buffer {
  const dir = createTempDir();
  try {
    for (const [path, content] of Object.entries(files)) {
      execFileSync('mkdir', ['-p', join(dir.dir, path, '..')]);
      dir.write(content, path);
    }
    const out = join(temp.dir, `zip-${Math.random().toString(36).slice(2)}.zip`);
    const tops = [...new Set(Object.keys(files).map((p) => p.split('/')[0]!))];
    execFileSync('zip', ['-q', '-r', out, ...tops], { cwd: dir.dir });
    return readFileSync(out);
  } finally {
    dir.remove();
  }
}

/** The text compressed by the `gzip` command. */
export function gzipCommand(content: string | Buffer): Buffer {
  return execFileSync('gzip', ['-c', '-n'], { input: content, maxBuffer: 1 << 30 });
}

/** The text compressed by node:zlib (what a web app's upload code would use). */
export const gzipZlib = (content: string | Buffer): Buffer => gzipSync(content);

export type OfficeFormat = 'xlsx' | 'xls' | 'ods' | 'pdf' | 'docx' | 'html' | 'xml' | 'fods';
/** LibreOffice's export filter for each format, from a CSV (Calc) or a text file (Writer). */
const FILTERS: Record<OfficeFormat, { from: 'csv' | 'txt'; to: string }> = {
  xlsx: { from: 'csv', to: 'xlsx' },
  xls: { from: 'csv', to: 'xls:MS Excel 97' },
  ods: { from: 'csv', to: 'ods' },
  pdf: { from: 'csv', to: 'pdf' },
  docx: { from: 'txt', to: 'docx:MS Word 2007 XML' },
  html: { from: 'csv', to: 'html' },
  xml: { from: 'csv', to: 'xml:MS Excel 2003 XML' },
  fods: { from: 'csv', to: 'fods' },
};

/**
 * The CSV (for a document, the text) saved by LibreOffice headless in each format. It runs with
 * a profile of its own, so another LibreOffice on the machine (another test, a user) is no bother.
 */
export async function officeFiles(csv: string, formats: readonly OfficeFormat[]): Promise<Record<OfficeFormat, Buffer>> {
  if (!commandExists('soffice')) {
    throw new Error('LibreOffice (soffice) is missing: install libreoffice-calc-nogui and libreoffice-writer-nogui (.ci/run does so in CI)');
  }
  const dir = createTempDir('csv-import-office-');
  const profile = `file://${join(dir.dir, 'profile')}`;
  try {
    const out: Partial<Record<OfficeFormat, Buffer>> = {};
    for (const format of formats) {
      const { from, to } = FILTERS[format];
      const source = dir.write(csv, `table-${format}.${from}`);
      await run('soffice', [`-env:UserInstallation=${profile}`, '--headless', '--convert-to', to, '--outdir', dir.dir, source], { timeout: 120_000 });
      out[format] = readFileSync(join(dir.dir, `table-${format}.${format}`));
    }
    return out as Record<OfficeFormat, Buffer>;
  } finally {
    dir.remove();
  }
}

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'heic';

/** A small picture in each format: sharp (libvips) writes all but BMP, which bmp-js writes. */
export async function images(): Promise<Record<ImageFormat, Buffer>> {
  const width = 32;
  const height = 16;
  const picture = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } });
  const rgba = await picture.clone().ensureAlpha().raw().toBuffer();
  // bmp-js takes ABGR pixels.
  const abgr = Buffer.alloc(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) abgr.set([rgba[i + 3]!, rgba[i + 2]!, rgba[i + 1]!, rgba[i]!], i);
  return {
    png: await picture.clone().png().toBuffer(),
    jpeg: await picture.clone().jpeg().toBuffer(),
    gif: await picture.clone().gif().toBuffer(),
    webp: await picture.clone().webp().toBuffer(),
    tiff: await picture.clone().tiff().toBuffer(),
    heic: await picture.clone().avif().toBuffer(),
    bmp: bmp.encode({ data: abgr, width, height }).data,
  };
}

/** The start of the running Node binary: a real executable (ELF on Linux, Mach-O on macOS). */
export function executable(): Buffer {
  return readFileSync(process.execPath).subarray(0, 256 * 1024);
}

/** The text compressed by another real compressor: xz, bzip2 or zstd. */
export function compressedWith(command: 'xz' | 'bzip2' | 'zstd', content: string): Buffer {
  return execFileSync(command, ['-c'], { input: content });
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
