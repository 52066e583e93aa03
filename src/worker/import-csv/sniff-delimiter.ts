import { DELIMITERS, type Delimiter } from '../../shared/contract.js';

const MAX_LINES = 200;

/**
 * Chooses the delimiter from the start of the decoded file: the candidate whose count per line
 * (outside quotes) is most consistent, preferring more columns on a tie, then the order , ; tab |.
 * A sample where no candidate appears is one column: ','.
 */
export function sniffDelimiter(sample: string, quote = '"', complete = false): Delimiter {
  const lines = countPerLine(sample, quote, complete);
  let best: { delimiter: Delimiter; consistency: number; columns: number } | undefined;
  for (const [i, delimiter] of DELIMITERS.entries()) {
    const counts = lines.map((line) => line[i]!);
    const mode = modeOf(counts);
    if (mode === 0) continue;
    const consistency = counts.filter((c) => c === mode).length / counts.length;
    if (!best || consistency > best.consistency || (consistency === best.consistency && mode > best.columns)) {
      best = { delimiter, consistency, columns: mode };
    }
  }
  return best?.delimiter ?? ',';
}

/** Whether the sample holds a whole non-blank line (its line end outside quotes) to sniff from. */
export function holdsWholeLine(sample: string, quote = '"'): boolean {
  let inQuotes = false;
  let blank = true;
  for (let i = 0; i < sample.length; i++) {
    const ch = sample[i]!;
    if (ch === quote) {
      inQuotes = !inQuotes;
      blank = false;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (!blank) return true;
    } else blank = false;
  }
  return false;
}

/** Per non-blank line, how often each candidate occurs outside quotes. */
function countPerLine(sample: string, quote: string, complete: boolean): number[][] {
  const lines: number[][] = [];
  let counts = DELIMITERS.map(() => 0);
  let inQuotes = false;
  let blank = true;
  for (let i = 0; i < sample.length && lines.length < MAX_LINES; i++) {
    const ch = sample[i]!;
    if (ch === quote) {
      inQuotes = !inQuotes;
      blank = false;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (!blank) lines.push(counts);
      counts = DELIMITERS.map(() => 0);
      blank = true;
    } else {
      if (!inQuotes) {
        const at = DELIMITERS.indexOf(ch as Delimiter);
        if (at !== -1) counts[at]!++;
      }
      blank = false;
    }
  }
  // The last line of a partial sample may be cut short; count it only when the file ended there.
  if (!blank && (complete || lines.length === 0)) lines.push(counts);
  return lines;
}

function modeOf(values: number[]): number {
  const freq = new Map<number, number>();
  for (const v of values) freq.set(v, (freq.get(v) ?? 0) + 1);
  let mode = 0;
  let top = 0;
  for (const [v, n] of freq) if (n > top || (n === top && v > mode)) [mode, top] = [v, n];
  return mode;
}
