import fc from 'fast-check';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from '../../src/shared/config.js';
import { DELIMITERS, type Delimiter, type ImportRequestInput } from '../../src/shared/contract.js';
import { TEXT_ENCODINGS, encodeText, type TextEncoding } from '../helpers/encode-text.js';

/**
 * fast-check generators for the engine fuzz tests. `csvSpec` describes a valid CSV file and
 * `renderCsv` writes it, together with the table the file holds: the expectation comes from the
 * generator's own cells, never from our parser. `hostileCase` is random bytes or a valid file
 * damaged by random mutations, with random (valid) job options and limits. `shapeCase` is a file
 * of a hostile form: a long run of one character somewhere, rows of nothing but delimiters, one
 * huge cell, about 1,000 columns, deeply nested JSON.
 */

export type CsvInput = NonNullable<ImportRequestInput['csv']>;

/** How a job may name each file encoding (`auto` is always possible too). */
const DECLARED_NAMES: Record<TextEncoding, string[]> = {
  'utf-8': ['utf-8', 'UTF-8', 'utf8'],
  'utf-8-bom': ['utf-8', 'UTF8'],
  // The generic names leave the byte order to the BOM.
  'utf-16le': ['utf-16le', 'UTF-16', 'UTF-16LE', 'ucs2'],
  'utf-16be': ['utf-16be', 'UTF-16', 'UTF-16BE', 'utf16'],
};

const LINE_ENDS = ['\n', '\r\n', '\r'] as const;
type LineEnd = (typeof LINE_ENDS)[number];

/** What breaks CSV quoting, COPY text format or JSON, and text that looks like either. */
const HOSTILE_PIECES = [
  '"', '""', ',', ';', '\t', '|', '\r', '\n', '\r\n', '\\', '\\\\', '\\N', '\\.', '\\.\n', '\\u0000', '\\ud800',
  '\u2028', '\u2029', '\0', '\ufeff', '\ufffd', '\u00a0', ' ', "'", '{', '[', '}', ']', '\u001b', '\u007f',
  '😀', '𝄞', '\u{10ffff}', 'é', 'e\u0301', '中文', '👩‍👩‍👧', 'null', '-0', '00123',
];

const piece = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_PIECES) },
  // Any Unicode scalar value, astral planes included (never a lone surrogate).
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 4, arbitrary: fc.string({ maxLength: 8 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'é', '😀', '"', '\\', '\n', '\0'), fc.integer({ min: 50, max: 3_000 }))
      .map(([c, n]) => c.repeat(n)),
  },
);

/** A cell as the generator means it (before quoting). */
export const cellText = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(''));

/** The header name the engine should store for a raw header cell: NULs removed, then trimmed. */
export const cleanName = (raw: string) => raw.replaceAll('\0', '').trim();

/**
 * Values that are a JSON object or array would be inferred as json columns and stored parsed;
 * the valid-CSV property is about text, so such a cell gets a leading `x`.
 */
const JSON_START = /^\s*[[{]/;
const notJson = (v: string): string => (JSON_START.test(v.replaceAll('\0', '')) ? 'x' + v : v);

interface Line {
  cells: string[];
  /** Quote the cell even when it does not need it. */
  quote: boolean[];
  end: LineEnd;
  /** Blank lines after this one (skipped by the engine). */
  blanks: LineEnd[];
}

const lineOf = (cells: fc.Arbitrary<string[]>, width: number): fc.Arbitrary<Line> =>
  fc.record({
    cells,
    quote: fc.array(fc.boolean(), { minLength: width, maxLength: width }),
    end: fc.constantFrom(...LINE_ENDS),
    blanks: fc.array(fc.constantFrom(...LINE_ENDS), { maxLength: 2 }),
  });

export interface CsvSpec {
  width: number;
  delimiter: Delimiter;
  /** Leave `delimiter: 'auto'` to the sniffer (cells holding any candidate are then quoted). */
  sniff: boolean;
  /** Leave a quote inside an unquoted cell unquoted (only without sniffing). */
  strayQuotes: boolean;
  encoding: TextEncoding;
  /** Index into the declared names of the encoding, or -1 for `auto`. */
  declared: number;
  header: boolean;
  preamble: { text: string; end: LineEnd }[];
  names: Line;
  rows: Line[];
  finalEnd: boolean;
  /** A cell of about this many characters somewhere, past the 64 KiB the engine samples. */
  huge: { row: number; length: number } | null;
  /** Where the source cuts its chunks, as fractions of the file, and near the sample's end. */
  cuts: number[];
  sampleEdge: number;
}

export const csvSpec: fc.Arbitrary<CsvSpec> = fc.integer({ min: 1, max: 6 }).chain((width) => {
  const cells = fc.array(cellText.map(notJson), { minLength: width, maxLength: width });
  const names = fc.uniqueArray(
    // A header name is at most 1,000 characters (DESIGN §5); longer ones are refused, never cut.
    cellText.filter((n) => cleanName(n) !== '' && Array.from(cleanName(n)).length <= 1_000),
    { minLength: width, maxLength: width, selector: cleanName },
  );
  return fc.record({
    width: fc.constant(width),
    delimiter: fc.constantFrom(...DELIMITERS),
    sniff: fc.boolean(),
    strayQuotes: fc.boolean(),
    encoding: fc.constantFrom(...TEXT_ENCODINGS),
    declared: fc.integer({ min: -1, max: 3 }),
    header: fc.boolean(),
    preamble: fc.array(fc.record({ text: fc.stringMatching(/^[a-z ,;|\t]{0,12}$/), end: fc.constantFrom(...LINE_ENDS) }), {
      maxLength: 2,
    }),
    names: lineOf(names, width),
    rows: fc.array(lineOf(cells, width), { maxLength: 25 }),
    finalEnd: fc.boolean(),
    huge: fc.option(fc.record({ row: fc.nat(), length: fc.integer({ min: 60_000, max: 90_000 }) }), { freq: 10 }),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
    sampleEdge: fc.integer({ min: -4, max: 4 }),
  });
});

/** What the engine must store for a file: the generator's table, NULs removed. */
export type Expected =
  | { ok: true; names: string[]; rows: string[][]; nulRemoved: number }
  | { ok: false; code: 'EMPTY_FILE' | 'UNSUPPORTED_FILE_TYPE' };

export interface RenderedCsv {
  bytes: Buffer;
  cuts: number[];
  csv: CsvInput;
  expected: Expected;
}

export function renderCsv(spec: CsvSpec): RenderedCsv {
  const rows = spec.rows.map((r) => ({ ...r, cells: [...r.cells] }));
  if (spec.huge && rows.length) rows[spec.huge.row % rows.length]!.cells[0] = `h${'é'.repeat(spec.huge.length / 2)}😀`;
  const lines = spec.header ? [spec.names, ...rows] : rows;
  const text = renderPreamble(spec.preamble) + renderLines(spec, lines);
  const bytes = encodeText(text, spec.encoding);
  const sampleEdge = 64 * 1024 + spec.sampleEdge;
  return {
    bytes,
    cuts: [...spec.cuts.map((f) => Math.floor(f * bytes.length)), sampleEdge],
    csv: {
      delimiter: spec.sniff ? 'auto' : spec.delimiter,
      encoding: spec.declared < 0 ? 'auto' : DECLARED_NAMES[spec.encoding][spec.declared % DECLARED_NAMES[spec.encoding].length]!,
      header: spec.header,
      skipRows: spec.preamble.length,
    },
    expected: notText(bytes, spec.encoding)
      ? { ok: false, code: 'UNSUPPORTED_FILE_TYPE' }
      : expectedTable(spec.header ? spec.names.cells : undefined, rows.map((r) => r.cells)),
  };
}

/**
 * The rule docs/FILES.md states: outside UTF-16, a first 64 KiB holding more than 3 control
 * bytes (not tab, LF, VT, FF, CR, ESC or 0x1a; DEL counts), and more than 1% of it, is not text.
 */
function notText(bytes: Buffer, encoding: TextEncoding): boolean {
  if (encoding.startsWith('utf-16')) return false;
  const head = bytes.subarray(0, 64 * 1024);
  const count = head.filter((b) => (b < 0x20 && ![0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1a, 0x1b].includes(b)) || b === 0x7f).length;
  return count > 3 && count > head.length / 100;
}

/** Preamble lines; a CR before a blank LF line would make one CRLF of two lines, so it is an LF. */
function renderPreamble(preamble: CsvSpec['preamble']): string {
  return preamble
    .map((p, i) => {
      const next = preamble[i + 1];
      return p.text + (p.end === '\r' && next?.text === '' && next.end !== '\r' ? '\n' : p.end);
    })
    .join('');
}

function renderLines(spec: CsvSpec, lines: Line[]): string {
  const candidates = spec.sniff ? DELIMITERS : [spec.delimiter];
  const field = (value: string, forced: boolean, only: boolean) => {
    const needsQuotes =
      forced ||
      // A quote after leading spaces is refused unquoted (spreadsheet programs read it as opening
      // a quoted value), and cells wrapped in ' would have csv.quote auto take ' (docs/FILES.md, Quotes).
      /^[ \t]*["']/.test(value) ||
      /[\r\n]/.test(value) ||
      candidates.some((d) => value.includes(d)) ||
      // A lone empty cell would be a blank line, which is skipped.
      (only && value === '') ||
      (value.includes('"') && (spec.sniff || !spec.strayQuotes));
    return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
  };
  return lines
    .map((line, i) => {
      const last = i === lines.length - 1;
      const cells = line.cells.map((c, j) =>
        // Without a BOM, U+FEFF opening the file would be read as one.
        field(c, line.quote[j]! || (i === 0 && j === 0 && spec.preamble.length === 0 && c.startsWith('\ufeff')), line.cells.length === 1),
      );
      const end = last && !spec.finalEnd ? '' : line.end + (last ? '' : line.blanks.join(''));
      return cells.join(spec.delimiter) + end;
    })
    .join('');
}

function expectedTable(header: string[] | undefined, rows: string[][]): Expected {
  const nuls = (cells: string[]) => cells.reduce((n, c) => n + c.split('\0').length - 1, 0);
  const clean = rows.map((r) => r.map((c) => c.replaceAll('\0', '')));
  const nulRemoved = rows.reduce((n, r) => n + nuls(r), header ? nuls(header) : 0);
  if (header) return { ok: true, names: header.map(cleanName), rows: clean, nulRemoved };
  if (rows.length === 0) return { ok: false, code: 'EMPTY_FILE' };
  // Without a header the widest row, trailing empty cells included, sets the columns (DESIGN §5).
  const width = Math.max(...clean.map((r) => r.length));
  return { ok: true, names: Array.from({ length: width }, (_, i) => `column_${i + 1}`), rows: clean, nulRemoved };
}

// ---- hostile input: random bytes, and valid files damaged by mutations

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Byte sequences that are meaningful somewhere in the pipeline. */
const SPECIAL_BYTES: Buffer[] = [
  '"', '\r', '\n', '\r\n', '\0', ',', ';', '\t', '|', '\\', '\\.', '\\N', "'", '"\n', '\n"', '""',
]
  .map((s) => Buffer.from(s, 'utf8'))
  .concat(
    [[0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xf0, 0x9f, 0x98],
     [0x00, 0xd8], [0xd8, 0x00], [0x00, 0xdc], [0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x0d, 0x00], [0x0a, 0x00],
     [0x22, 0x00], [0x00, 0x22]].map((b) => Buffer.from(b)),
  );

/** Lines whose cell is JSON PostgreSQL may refuse (or accept), for columns declared or inferred json. */
const JSON_LINES: Buffer[] = [
  '{"a":1}', '[1,2]', '"{""a"":""\\u0000""}"', '"[""\\ud800""]"', '"[""\\udc00\\ud800""]"', '[1e999999]', '[-1e-99999]',
  '[1e131071]', '[1e131072]', '[0.5e-16383]', '{"a":1.7976931348623157e309}', `[${'9'.repeat(140_000)}]`,
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`, `"${'{""a"":'.repeat(3_000)}1${'}'.repeat(3_000)}"`, `${'['.repeat(500)}${']'.repeat(500)}`,
].map((line) => Buffer.from(`\n${line}\n`, 'utf8'));

export type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'repeat'; at: number; length: number; times: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    at: fraction,
    byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x0a, 0x0d, 0x22, 0x2c, 0x5c, 0x80, 0xc3, 0xed, 0xf0, 0xff)),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fraction,
    bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom(...SPECIAL_BYTES), fc.constantFrom(...JSON_LINES)),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fraction, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fraction,
    length: fc.integer({ min: 1, max: 200 }),
    times: fc.integer({ min: 2, max: 50 }),
  }),
);

export function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = bytes;
  for (const m of mutations) {
    const at = Math.floor(m.at * (b.length + 1));
    switch (m.kind) {
      case 'set':
        if (b.length) {
          b = Buffer.from(b);
          b[Math.min(at, b.length - 1)] = m.byte;
        }
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'repeat': {
        const slice = b.subarray(at, at + m.length);
        b = Buffer.concat([b.subarray(0, at), ...Array<Buffer>(m.times).fill(slice), b.subarray(at)]);
        break;
      }
    }
  }
  return b;
}

export interface HostileCase {
  bytes: Buffer;
  cuts: number[];
  csv: CsvInput;
  /** Header names declared as json columns. */
  jsonColumns: string[];
  invalidRows: 'fail' | 'skip';
  limits: ImportLimits;
}

/** Encodings a job may name: the usual ones, and decoders that can yield lone surrogates. */
const HOSTILE_ENCODINGS = [
  'auto', 'auto', 'auto', 'utf-8', 'utf-16le', 'utf-16be', 'UTF-16', 'windows-1252', 'latin1', 'shift_jis', 'gb18030',
  'big5', 'euc-kr', 'utf7', 'ucs2', 'cesu8', 'utf32',
];
const QUOTES = ['"', '"', '"', "'", '\\', ',', ';', '\t', '\n', 'a'];

const hostileOptions = fc.record({
  delimiter: fc.constantFrom('auto', ...DELIMITERS),
  encoding: fc.constantFrom(...HOSTILE_ENCODINGS),
  header: fc.boolean(),
  skipRows: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
  quote: fc.constantFrom(...QUOTES),
  escape: fc.constantFrom(...QUOTES),
});

const hostileLimits: fc.Arbitrary<ImportLimits> = fc.record({
  MAX_FILE_SIZE: fc.constantFrom(200 * 1024 * 1024, 200 * 1024 * 1024, 4_096),
  MAX_COLUMNS: fc.constantFrom(1_000, 1_000, 3, 40),
  MAX_RECORD_BYTES: fc.constantFrom(1024 * 1024, 1024 * 1024, 1_024, 8_192),
  MAX_ROWS: fc.constantFrom(undefined, undefined, undefined, 1, 5),
  MAX_INFLATED_BYTES: fc.constant(DEFAULT_IMPORT_LIMITS.MAX_INFLATED_BYTES),
  PG_STALL_TIMEOUT_MS: fc.constant(DEFAULT_IMPORT_LIMITS.PG_STALL_TIMEOUT_MS),
  MAX_SHARED_STRINGS_BYTES: fc.constant(DEFAULT_IMPORT_LIMITS.MAX_SHARED_STRINGS_BYTES),
});

const randomBytes = fc.record({
  bytes: fc.uint8Array({ maxLength: 3_000 }).map((a) => Buffer.from(a)),
  names: fc.constant(['a', 'column_1']),
});

const damagedCsv = fc.tuple(csvSpec, fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([spec, mutations]) => ({
  bytes: mutate(renderCsv(spec).bytes, mutations),
  names: spec.header ? spec.names.cells.map(cleanName).filter((n) => n.length <= 1_000) : ['column_1', 'column_2'],
}));

export const hostileCase: fc.Arbitrary<HostileCase> = fc
  .record({
    input: fc.oneof({ weight: 1, arbitrary: randomBytes }, { weight: 3, arbitrary: damagedCsv }),
    csv: hostileOptions,
    jsonCount: fc.nat(2),
    invalidRows: fc.constantFrom('fail' as const, 'skip' as const),
    limits: hostileLimits,
    cuts: fc.array(fraction, { maxLength: 8 }),
  })
  .map(({ input, csv, jsonCount, invalidRows, limits, cuts }) => ({
    bytes: input.bytes,
    cuts: cuts.map((f) => Math.floor(f * input.bytes.length)),
    csv,
    jsonColumns: input.names.slice(0, jsonCount),
    invalidRows,
    limits,
  }));

// ---- hostile shapes: the form of a file rather than its values (issue 9, "Hostile files")

export interface ShapeCase {
  /** What the file is, for the report. */
  shape: string;
  bytes: Buffer;
  cuts: number[];
  csv: CsvInput;
  jsonColumns: string[];
  limits: ImportLimits;
}

interface Shape {
  shape: string;
  text: string;
  header: boolean;
  jsonColumns?: string[];
}

const BASE_HEADER = 'id,name,doc';
const BASE_ROWS = ['1,Ada,"{""a"":1}"', '2,Grace,"[1,2]"', '3,Linus,'];

/** Characters whose long runs stress a parser, a trimmer or a sniffer, and where a run may sit. */
const RUN_CHARS = [' ', '"', ',', ';', '\t', '|', '\n', '\r', '\r\n', '\0', '\\', "'", '{', '[', '\u00a0', 'é'];
const RUN_PLACES = ['file start', 'header name', 'row start', 'cell', 'quoted cell', 'row end', 'file end'] as const;

function placeRun(run: string, place: (typeof RUN_PLACES)[number]): string {
  const rows = [...BASE_ROWS];
  let header = BASE_HEADER;
  switch (place) {
    case 'file start':
      return `${run}${csvLines([header, ...rows])}`;
    case 'header name':
      header = `id,na${run}me,doc`;
      break;
    case 'row start':
      rows[1] = run + rows[1]!;
      break;
    case 'cell':
      rows[0] = `1,A${run}da,"{""a"":1}"`;
      break;
    case 'quoted cell':
      rows[0] = `1,"A${run.replaceAll('"', '""')}da","{""a"":1}"`;
      break;
    case 'row end':
      rows[2] = rows[2]! + run;
      break;
    case 'file end':
      return `${csvLines([header, ...rows])}${run}`;
  }
  return csvLines([header, ...rows]);
}

const csvLines = (lines: string[]) => `${lines.join('\n')}\n`;

const runShape: fc.Arbitrary<Shape> = fc
  .record({ char: fc.constantFrom(...RUN_CHARS), length: fc.integer({ min: 1_000, max: 600_000 }), place: fc.constantFrom(...RUN_PLACES) })
  .map(({ char, length, place }) => ({
    shape: `a run of ${length} × ${JSON.stringify(char)} at the ${place}`,
    text: placeRun(char.repeat(length), place),
    header: true,
  }));

const delimiterRows: fc.Arbitrary<Shape> = fc
  .record({ delimiter: fc.constantFrom(...DELIMITERS), perRow: fc.integer({ min: 1, max: 200_000 }), rows: fc.integer({ min: 1, max: 20 }), header: fc.boolean() })
  .map(({ delimiter, perRow, rows, header }) => ({
    shape: `${rows} rows of ${perRow} × ${JSON.stringify(delimiter)}${header ? ' under a header' : ''}`,
    text: csvLines([...(header ? ['a,b'] : []), ...Array<string>(rows).fill(delimiter.repeat(perRow)), '1,2']),
    header,
  }));

const hugeCell: fc.Arbitrary<Shape> = fc
  .record({
    length: fc.integer({ min: 10_000, max: 1_500_000 }),
    char: fc.constantFrom('x', 'é', '😀', '\n', ' ', '"'),
    inHeader: fc.boolean(),
  })
  .map(({ length, char, inHeader }) => {
    const cell = `"${char.repeat(length).replaceAll('"', '""')}"`;
    const lines = inHeader ? [`id,${cell}`, '1,2'] : ['id,text', `1,${cell}`, '2,short'];
    return { shape: `one cell of ${length} × ${JSON.stringify(char)}${inHeader ? ' in the header' : ''}`, text: csvLines(lines), header: true };
  });

const wideFile: fc.Arbitrary<Shape> = fc
  .record({ columns: fc.integer({ min: 990, max: 1_010 }), rows: fc.integer({ min: 1, max: 30 }), header: fc.boolean() })
  .map(({ columns, rows, header }) => {
    const cells = (r: number) => Array.from({ length: columns }, (_, c) => `${r}.${c}`).join(',');
    const names = Array.from({ length: columns }, (_, c) => `Column ${c} Имя`).join(',');
    return {
      shape: `${columns} columns, ${rows} rows${header ? ' under a header' : ''}`,
      text: csvLines([...(header ? [names] : []), ...Array.from({ length: rows }, (_, r) => cells(r))]),
      header,
    };
  });

const deepJson: fc.Arbitrary<Shape> = fc
  .record({ depth: fc.integer({ min: 10, max: 30_000 }), kind: fc.constantFrom('array', 'object'), declared: fc.boolean(), rows: fc.integer({ min: 1, max: 3 }) })
  .map(({ depth, kind, declared, rows }) => {
    const value = kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const cell = `"${value.replaceAll('"', '""')}"`;
    return {
      shape: `${kind === 'array' ? 'arrays' : 'objects'} nested ${depth} deep in a ${declared ? 'declared' : 'sampled'} json column`,
      text: csvLines(['id,doc', ...Array.from({ length: rows }, (_, r) => `${r},${cell}`)]),
      header: true,
      jsonColumns: declared ? ['doc'] : [],
    };
  });

export const shapeCase: fc.Arbitrary<ShapeCase> = fc
  .record({
    shape: fc.oneof(runShape, delimiterRows, hugeCell, wideFile, deepJson),
    sniff: fc.boolean(),
    maxRecordBytes: fc.constantFrom(1024 * 1024, 64 * 1024),
    cut: fc.integer({ min: 1_000, max: 256 * 1024 }),
  })
  .map(({ shape, sniff, maxRecordBytes, cut }) => {
    const bytes = Buffer.from(shape.text, 'utf8');
    return {
      shape: shape.shape,
      bytes,
      // Chunks of one size, as a download delivers them.
      cuts: Array.from({ length: Math.floor(bytes.length / cut) }, (_, i) => (i + 1) * cut),
      csv: { delimiter: sniff ? 'auto' : ',', header: shape.header },
      jsonColumns: shape.jsonColumns ?? [],
      limits: { ...DEFAULT_IMPORT_LIMITS, MAX_RECORD_BYTES: maxRecordBytes },
    };
  });
