import { DELIMITERS, type Delimiter } from '../../../shared/contract.js';

export type Quote = '"' | "'";

const MAX_LINES = 200;

/**
 * The quote character when `csv.quote` is `auto` (DESIGN §3): `'` when the file is plainly
 * `'`-quoted, else `"`. Plainly: on at least half of the sample's non-blank lines a whole field
 * is wrapped in `'` (from a field's start to a field's end, `''` doubled inside), and no field
 * anywhere is wrapped in `"`. An apostrophe inside text (`O'Brien`, `'90s`) wraps no field, and
 * a file whose `'`-wrapped cells are the exception keeps `"`: a wrong `'` would strip characters
 * from values, a wrong `"` leaves them as they are. Field boundaries are the named delimiter's,
 * or any candidate's when it is still to be sniffed (the sniffer needs the quote first).
 */
export function detectQuote(sample: string, delimiter?: Delimiter): Quote {
  const bounds = escapeClass(delimiter ? [delimiter] : DELIMITERS);
  const single = wrappedField("'", bounds);
  const double = wrappedField('"', bounds);
  let lines = 0;
  let singleLines = 0;
  for (const line of sample.split(/\r\n|\n|\r/, MAX_LINES * 4)) {
    if (line.trim() === '') continue;
    if (double.test(line)) return '"';
    lines++;
    if (single.test(line)) singleLines++;
    if (lines === MAX_LINES) break;
  }
  return singleLines > 0 && singleLines * 2 >= lines ? "'" : '"';
}

/** A field wrapped in `q`: a field's start, `q`, anything with `q` doubled, `q`, a field's end. */
function wrappedField(q: string, bounds: string): RegExp {
  return new RegExp(`(?:^|[${bounds}])[ \\t]*${q}(?:[^${q}]|${q}${q})*${q}[ \\t]*(?=[${bounds}]|$)`);
}

const escapeClass = (chars: readonly string[]) => chars.map((c) => (c === '\t' ? '\\t' : `\\${c}`)).join('');
