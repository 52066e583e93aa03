import { DELIMITERS, type Delimiter } from '../../shared/contract.js';

const MAX_LINES = 200;
const COMMA = DELIMITERS.indexOf(',');
/** Slot after the candidates' counts in a line's counts: decimal commas (`12,50`). */
const DECIMAL_COMMAS = DELIMITERS.length;
/** Excel's first line naming the delimiter (`sep=;`), alone on line 1. */
const SEP_LINE = /^sep=([,;\t|])(?:\r\n?|\n|$)/i;

interface Score {
  /** Share of lines whose count is the most common count. */
  consistency: number;
  /** The most common count: columns minus one. */
  columns: number;
}

/**
 * Chooses the delimiter from the start of the decoded file: the candidate whose count per line
 * (outside quotes) is most consistent, preferring more columns on a tie, then the order , ; tab |.
 * When another candidate is as consistent as the comma, the comma's count leaves out decimal
 * commas (DESIGN §5): `Name;Betrag, EUR` / `Müller;12,50` is two columns split on ";", and so is
 * `1,5;2,25`, whose commas would otherwise win by giving more columns. Without such a rival a
 * comma between digits is a delimiter (`1,2,3`). A sample where no candidate appears is one
 * column: ','.
 */
export function sniffDelimiter(sample: string, quote = '"', complete = false): Delimiter {
  const lines = countPerLine(sample, quote, complete);
  const scores = DELIMITERS.map((_, i) => scoreOf(lines.map((line) => line[i]!)));
  const comma = scores[COMMA];
  if (comma && scores.some((s, i) => i !== COMMA && s?.consistency === comma.consistency)) {
    scores[COMMA] = scoreOf(lines.map((line) => line[COMMA]! - line[DECIMAL_COMMAS]!));
  }
  let best: number | undefined;
  for (const [i, score] of scores.entries()) {
    if (score && (best === undefined || beats(score, scores[best]!))) best = i;
  }
  return best === undefined ? ',' : DELIMITERS[best]!;
}

/**
 * The delimiter Excel's `sep=X` line names when it is the first line of the decoded text (after
 * any BOM), X one of the four candidates; undefined otherwise. That line is not a row.
 */
export function excelSepLine(text: string): Delimiter | undefined {
  return SEP_LINE.exec(text)?.[1] as Delimiter | undefined;
}

function scoreOf(counts: number[]): Score | undefined {
  const mode = modeOf(counts);
  if (mode === 0) return undefined;
  return { consistency: counts.filter((c) => c === mode).length / counts.length, columns: mode };
}

const beats = (a: Score, b: Score) => a.consistency > b.consistency || (a.consistency === b.consistency && a.columns > b.columns);

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

/**
 * Per non-blank line, how often each candidate occurs outside quotes, then how many of its commas
 * are decimal commas: the one comma of a number (`12,50`, `-1.234,5`). A run of numbers joined
 * by commas (`2,3,4`) is a list, so none of its commas counts as decimal.
 */
function countPerLine(sample: string, quote: string, complete: boolean): number[][] {
  const lines: number[][] = [];
  let counts = newCounts();
  let inQuotes = false;
  let blank = true;
  // Commas in the number being read, as digits joined by commas; -1 outside a number.
  let numberCommas = -1;
  const endNumber = () => {
    if (numberCommas === 1) counts[DECIMAL_COMMAS]!++;
    numberCommas = -1;
  };
  for (let i = 0; i < sample.length && lines.length < MAX_LINES; i++) {
    const ch = sample[i]!;
    if (ch === quote) {
      endNumber();
      inQuotes = !inQuotes;
      blank = false;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      endNumber();
      if (!blank) lines.push(counts);
      counts = newCounts();
      blank = true;
    } else {
      if (!inQuotes) {
        if (isDigit(ch)) numberCommas = Math.max(numberCommas, 0);
        else if (ch === ',' && numberCommas >= 0 && isDigit(sample[i + 1])) numberCommas++;
        else endNumber();
        const at = DELIMITERS.indexOf(ch as Delimiter);
        if (at !== -1) counts[at]!++;
      }
      blank = false;
    }
  }
  endNumber();
  // The last line of a partial sample may be cut short; count it only when the file ended there.
  if (!blank && (complete || lines.length === 0)) lines.push(counts);
  return lines;
}

const newCounts = () => Array.from({ length: DECIMAL_COMMAS + 1 }, () => 0);
const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';

function modeOf(values: number[]): number {
  const freq = new Map<number, number>();
  for (const v of values) freq.set(v, (freq.get(v) ?? 0) + 1);
  let mode = 0;
  let top = 0;
  for (const [v, n] of freq) if (n > top || (n === top && v > mode)) [mode, top] = [v, n];
  return mode;
}
