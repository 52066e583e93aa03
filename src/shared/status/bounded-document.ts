import type { StatusDocument } from '../contract.js';
import { excerpt } from './excerpt.js';

/**
 * The most a status document may take as JSON (DESIGN §3: under 64 KiB), with room for what the
 * store adds (its revision and the writer). The completion callback's body is the same document.
 */
export const STATUS_DOCUMENT_MAX_BYTES = 63 * 1024;

/** What a shortening step changed, as `shortened` names it. */
type Step = [name: string, shorten: (doc: StatusDocument) => StatusDocument];

/**
 * Steps in the order they are tried, each keeping what an app most needs for longer: the state,
 * the counts, the error's code, then its words, then the list's columns. The preview's cells are
 * already excerpts (preview-rows.ts), so only very wide files or long names come this far.
 */
const STEPS: Step[] = [
  ['texts', (doc) => cutTexts(doc, 200)],
  ['preview.sampleRows', (doc) => (doc.preview?.sampleRows.length ? { ...doc, preview: { ...doc.preview, sampleRows: [], sampleRowsCut: true } } : doc)],
  ['problems', (doc) => withProblems(doc, 10)],
  ['preview', ({ preview: _preview, ...doc }) => doc],
  ['texts', (doc) => cutTexts(doc, 40)],
  ['result.columns', (doc) => (doc.result ? { ...doc, result: { ...doc.result, columns: doc.result.columns.slice(0, 100) } } : doc)],
  ['problems', (doc) => withProblems(doc, 0)],
];

/**
 * The document as it may be written and published: as it is when it fits, else shortened step by
 * step until it does, each step named in `shortened` (nothing is left out silently). One bound,
 * applied where every status document is written (job-status.ts).
 */
export function boundStatusDocument(doc: StatusDocument, maxBytes = STATUS_DOCUMENT_MAX_BYTES): StatusDocument {
  let bounded = doc;
  const shortened = new Set(doc.shortened);
  for (const [name, shorten] of STEPS) {
    if (fits(bounded, maxBytes)) break;
    const next = shorten(bounded);
    if (next === bounded) continue;
    shortened.add(name);
    bounded = { ...next, shortened: [...shortened] };
  }
  return bounded;
}

const fits = (doc: StatusDocument, maxBytes: number) => Buffer.byteLength(JSON.stringify(doc)) <= maxBytes;

/**
 * Identifiers the app looks things up by (a column's key, the list, the report's key): never cut,
 * a cut one would name nothing. They are bounded already (a key at 200 characters).
 */
const IDENTIFIERS = new Set(['key', 'listId']);

/** Every other string the import put in the document (preview, result, error) as an excerpt of at most `maxChars`. */
function cutTexts(doc: StatusDocument, maxChars: number): StatusDocument {
  const cut = (value: unknown, name?: string): unknown => {
    if (typeof value === 'string') return name && IDENTIFIERS.has(name) ? value : excerpt(value, maxChars);
    if (Array.isArray(value)) return value.map((v) => cut(v));
    // fromEntries, not a literal: a cell keyed `__proto__` stays a key of its own.
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cut(v, k)]));
    return value;
  };
  const { preview, result, error } = doc;
  return {
    ...doc,
    ...(preview ? { preview: cut(preview) as StatusDocument['preview'] } : {}),
    ...(result ? { result: cut(result) as StatusDocument['result'] } : {}),
    ...(error ? { error: cut(error) as StatusDocument['error'] } : {}),
  };
}

/** The first `count` problems; `problemCount` keeps saying how many there were. */
function withProblems(doc: StatusDocument, count: number): StatusDocument {
  const { result, error } = doc;
  if ((result?.problems?.length ?? 0) <= count && (error?.problems?.length ?? 0) <= count) return doc;
  return {
    ...doc,
    ...(result?.problems ? { result: { ...result, problems: result.problems.slice(0, count), problemCount: result.problemCount ?? result.problems.length } } : {}),
    ...(error?.problems ? { error: { ...error, problems: error.problems.slice(0, count), problemCount: error.problemCount ?? error.problems.length } } : {}),
  };
}
