import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { detect as jschardetDetect } from 'jschardet';
import { SAMPLE_BYTES, detectEncoding } from '../src/worker/import-csv/encoding/detect-encoding.js';

/**
 * Scores encoding detectors on a corpus laid out as ../shared/corpus/encodings is (expected.json
 * naming each file's true encoding and size class, files/ holding them): a file counts as read
 * right when the detector's choice decodes the whole file to the same text as its true encoding.
 * Every detector sees the first 64 KiB, as the worker does. Prints a table per encoding and per
 * size for each detector (docs/ENCODINGS.md quotes it).
 *
 *   npx tsx bench/encodings.ts [--corpus DIR] [--locale-from-language] [--wrong-locale TAG] [--head-lines N]
 *
 * `--head-lines N` keeps only each file's first N lines: smaller files than the corpus has, where
 * detectors have less to go on.
 */
const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: join('..', 'shared', 'corpus', 'encodings') },
    'locale-from-language': { type: 'boolean', default: false },
    'wrong-locale': { type: 'string' },
    'head-lines': { type: 'string' },
  },
});

interface Expected {
  encoding: string;
  size: string;
  language?: string;
  lang?: string;
  bom?: boolean;
}

type Detector = (sample: Buffer, expected: Expected) => Promise<string | undefined>;

const locale = (e: Expected) =>
  values['wrong-locale'] ?? (values['locale-from-language'] ? (e.language ?? e.lang)?.replace('_', '-') : undefined);

const DETECTORS: Record<string, Detector> = {
  ours: async (sample, e) => (await detectEncoding(sample, { locale: locale(e) })).encoding,
  'jschardet 4': async (sample) => jschardetDetect(sample).encoding ?? undefined,
  'chardet 2 (ICU)': async (sample) => chardet.detect(sample) ?? undefined,
};

const expected = JSON.parse(readFileSync(join(values.corpus, 'expected.json'), 'utf8')) as Record<string, Expected>;
const rows: { detector: string; file: string; encoding: string; size: string; ok: boolean; got: string }[] = [];
for (const [name, e] of Object.entries(expected)) {
  const bytes = headLines(readFileSync(join(values.corpus, 'files', name)), e);
  const truth = iconv.decode(bytes, e.encoding);
  for (const [detector, detect] of Object.entries(DETECTORS)) {
    const got = await detect(bytes.subarray(0, SAMPLE_BYTES), e).catch((err: Error) => `error: ${err.message.slice(0, 40)}`);
    const label = got === 'UTF-8-SIG' ? 'utf-8' : got;
    const ok = Boolean(label && iconv.encodingExists(label) && iconv.decode(bytes, label) === truth);
    rows.push({ detector, file: name, encoding: e.encoding + (e.bom ? '+bom' : ''), size: e.size, ok, got: String(got) });
  }
}

function headLines(bytes: Buffer, e: Expected): Buffer {
  const n = Number(values['head-lines'] ?? 0);
  if (!n) return bytes;
  const text = iconv.decode(bytes, e.encoding);
  const lines = text.split('\n');
  return lines.length <= n ? bytes : iconv.encode(lines.slice(0, n).join('\n') + '\n', e.encoding, { addBOM: e.bom ?? false });
}

const detectors = Object.keys(DETECTORS);
function table(title: string, key: 'encoding' | 'size') {
  const groups = [...new Set(rows.map((r) => r[key]))];
  console.log(`| ${title} | files | ${detectors.join(' | ')} |`);
  console.log(`|---|---|${detectors.map(() => '---').join('|')}|`);
  for (const g of [...groups, 'all']) {
    const of = (d: string) => rows.filter((r) => r.detector === d && (g === 'all' || r[key] === g));
    const cells = detectors.map((d) => `${of(d).filter((r) => r.ok).length}`);
    console.log(`| ${g} | ${of(detectors[0]!).length} | ${cells.join(' | ')} |`);
  }
  console.log();
}
table('encoding', 'encoding');
table('size', 'size');
for (const r of rows.filter((r) => !r.ok)) console.log(`miss: ${r.detector}: ${r.file} (${r.encoding}) -> ${r.got}`);
