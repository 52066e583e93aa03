import { SAMPLE_BYTES } from './detect-encoding.js';

/**
 * How far past an ASCII start the decoder reads for the lines that are not ASCII. A file that
 * holds a few accented names among megabytes of ASCII rows has little evidence; a first read of
 * 64 KiB sees as much of it as this gathers, at the cost of reading 4 MiB once more.
 */
const LATER_SCAN_BYTES = 4 * 1024 * 1024;

export interface LaterSample {
  /** The lines holding bytes beyond ASCII, up to SAMPLE_BYTES of them. */
  sample: Buffer;
  /** The file ended within the scan, so the sample's last line is whole. */
  wholeFile: boolean;
}

/**
 * What detection judges once bytes beyond ASCII turn up after an ASCII start: the lines that
 * hold such bytes, from the one at `firstHigh` on, as a first read of them would see them. The
 * ASCII lines between them are left out: every candidate reads them alike, and among a
 * megabyte of English rows the detector's Central European models outscored windows-1252 on
 * `crème brûlée`.
 */
export async function laterSample(body: Buffer, firstHigh: number, rest: AsyncIterable<Buffer>): Promise<LaterSample> {
  const lineStart = Math.max(body.lastIndexOf(0x0a, firstHigh), body.lastIndexOf(0x0d, firstHigh)) + 1;
  const parts = [body.subarray(lineStart)];
  let size = parts[0]!.length;
  let wholeFile = true;
  for await (const more of rest) {
    parts.push(more);
    size += more.length;
    if (size >= LATER_SCAN_BYTES) {
      wholeFile = false;
      break;
    }
  }
  const lines = Buffer.concat(parts).toString('latin1').split(/(?<=\n|\r(?!\n))/);
  const kept: string[] = [];
  let keptBytes = 0;
  for (const line of lines) {
    if (!/[^\x00-\x7f]/.test(line)) continue;
    kept.push(line);
    keptBytes += line.length;
    if (keptBytes >= SAMPLE_BYTES) break;
  }
  const sample = Buffer.from(kept.join(''), 'latin1');
  return { sample: sample.subarray(0, SAMPLE_BYTES), wholeFile: wholeFile && sample.length <= SAMPLE_BYTES };
}
