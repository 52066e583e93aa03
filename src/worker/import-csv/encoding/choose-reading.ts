/** One way of reading a sample: the text, and every candidate encoding that reads it so. */
export interface Reading {
  text: string;
  encodings: string[];
  /** The detector's score of its best-ranked encoding; 0 when it ranked none of them. */
  score: number;
  /** Places where the text reads like the wrong code page (oddities.ts). */
  oddities: number;
  /** Oddities per character beyond ASCII. */
  oddityRate: number;
  /** Bytes the encoding has no character for: the decoder refuses them (ENCODING_ERROR). */
  undefinedBytes: number;
  /** Japanese or Chinese or Korean written the way only a multi-byte encoding writes it. */
  multiByteEvidence: boolean;
}

/**
 * A reading within this share of the best one's score counts as a tie, which the uploader's
 * locale may break, as Excel itself picks the locale's code page: with few letters that two code
 * pages read differently, the statistics are close to a coin toss. Measured with
 * bench/encodings.ts on files cut to their first line: the right locale turns 108/111 into
 * 110/111 (0.5: 111/111), a wrong one (`pl` for every file, whole files) costs 1/111 (0.5: 14).
 */
const LOCALE_TIE_SHARE = 0.8;

/**
 * A best reading where at least this share of the characters beyond ASCII are oddities gives way
 * to the reading with the fewest. Real text in its right code page stays far below
 * (bench/encodings.ts: no file of either set changed, whole or cut).
 */
const MOSTLY_ODD = 0.5;

/**
 * Below this score the detector's statistics do not decide: a few accented names among ASCII
 * (`Søren,Århus`), a row of half-width katakana, one accented line after a megabyte of ASCII all
 * scored under 0.06, and real text of the two corpora cut to its first line scored from 0.012 up.
 * The plausibility of the readings decides then, and among equally plausible ones the priors.
 * docs/ENCODINGS.md has the measurements that set it.
 */
const WEAK = 0.1;

/**
 * At most this many characters read differently in windows-1252 and in the chosen reading: too
 * few for any statistic, so windows-1252, what most spreadsheets are in, wins unless its reading
 * is odder. `Søren,Århus` / `José,Málaga` has two (`ø`, `Å`: `ř`, `Ĺ` in windows-1250); a first
 * line of Slovene or Lithuanian has as few, and is then read as windows-1252 unless `csv.locale`
 * says otherwise (docs/ENCODINGS.md: what it costs on files cut to their first lines).
 */
const TOO_FEW_TO_TELL = 2;
/** And windows-1252 scored at least this share of the best: `Søren,Århus` scored 0.56 of windows-1250's. */
const WESTERN_TIE_SHARE = 0.5;

// Letters windows-1252 holds for Central European and Baltic names, in no Western language's own
// alphabet: text that has them is not plainly Western, and the statistics decide (Slovene `Št.`
// with one `č`, read `è` in windows-1252).
const CENTRAL_EUROPEAN_IN_WESTERN = /[ŠšŽž]/;

/**
 * The reading to decode the file with. Readings that hold every byte compete first; one with a
 * byte its code page leaves undefined only when each of them is mostly oddities (a German
 * windows-1252 file with one stray 0x81 is not Cyrillic), and the decoder then refuses that byte
 * naming its line. Among them: the detector's best unless its statistics are weak or its reading
 * implausible, the locale breaking a near tie.
 */
export function chooseReading(readings: Reading[], preferred: string | undefined): Reading | undefined {
  const complete = readings.filter((r) => r.undefinedBytes === 0);
  const pool = complete.length && complete.some((r) => r.oddityRate < MOSTLY_ODD) ? complete : readings;
  if (pool.length === 0) return undefined;
  const local = preferred ? pool.find((r) => r.encodings.includes(preferred)) : undefined;
  const best = pool[0]!.score < WEAK ? mostPlausible(pool, local) : plausibleBest(pool);
  if (local) return isTie(best, local) ? local : best;
  const western = pool.find((r) => r.encodings.includes('windows-1252'));
  return western && isWesternTie(best, western) ? western : best;
}

/**
 * Nothing decides against windows-1252: its reading is no odder, scores at least half the best
 * one's, and differs from it in too few characters for the statistics to mean anything.
 */
function isWesternTie(best: Reading, western: Reading): boolean {
  return (
    !CENTRAL_EUROPEAN_IN_WESTERN.test(western.text) &&
    western.oddities <= best.oddities &&
    western.score >= best.score * WESTERN_TIE_SHARE &&
    disputed(western.text, best.text) <= TOO_FEW_TO_TELL
  );
}

/** Characters two single-byte readings of one sample read differently. */
function disputed(a: string, b: string): number {
  if (a.length !== b.length) return Infinity;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) n++;
  return n;
}

/**
 * The detector's best reading, unless it is mostly oddities (on a few letters the statistics are
 * weak, a `˙˙`, a `╨╟` or a `±` inside a word is not), or a multi-byte reading shows CJK text with
 * fewer oddities: a valid kanji pair is evidence no single-byte statistic outweighs.
 */
function plausibleBest(readings: Reading[]): Reading {
  const top = readings[0]!;
  const cjk = top.multiByteEvidence ? undefined : readings.find((r) => r.multiByteEvidence && r.oddities < top.oddities);
  const plausible = top.oddityRate >= MOSTLY_ODD ? mostPlausible(readings, undefined) : cjk;
  // It takes the top reading's place, and the detector's belief with it.
  return plausible && plausible !== top ? { ...plausible, score: Math.max(plausible.score, top.score) } : top;
}

/**
 * The reading with the fewest oddities per character beyond ASCII; among equals the locale's
 * code page, then CJK text a multi-byte encoding wrote, then the detector's order. (windows-1252
 * before the detector's order read two tiny Turkish and Czech files of the gettext set as
 * Western: 153/156 against 155/156.)
 */
function mostPlausible(readings: Reading[], local: Reading | undefined): Reading {
  const least = Math.min(...readings.map((r) => r.oddityRate));
  const equals = readings.filter((r) => r.oddityRate === least);
  return (
    (local && equals.includes(local) ? local : undefined) ??
    equals.find((r) => r.multiByteEvidence) ??
    equals[0]!
  );
}

/**
 * Whether the locale's reading may win over the best one. It breaks a tie between the code pages
 * Excel writes, never the evidence of the bytes: a reading with more oddities loses (ISO-8859-2
 * Polish read as windows-1250 shows `±` and `¶` inside its words), and a best reading only an
 * ISO-8859 code page gives stands (its bytes avoid every byte Windows adds to it; measured on
 * the corpus, ISO-8859-2 and -7 files scored 94–100% of their best with the Windows sibling).
 */
function isTie(best: Reading, local: Reading): boolean {
  if (best.encodings.every((e) => e.startsWith('iso-8859'))) return false;
  return local.score >= best.score * LOCALE_TIE_SHARE && local.oddities <= best.oddities;
}
