import iconv from 'iconv-lite';
import { z } from 'zod';

/**
 * The webhook contract and the status document: what the main app sends and reads. The main app
 * may import this module; it depends on zod and iconv-lite only.
 */

// What BullMQ takes as a custom job id, which it checks only once the job is being added: no ':'
// (its key separator), no integer (its own ids; its check also catches "NaN"), and nothing that
// JavaScript reads as a negative number ("-3.5" fails inside addJob as an "Unknown code").
// Refusing every number is a rule a sender can keep in mind (DESIGN §3).
const JOB_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const isNumber = (v: string) => v === 'NaN' || !Number.isNaN(Number(v));
const CONTROL = /[\u0000-\u001f\u007f]/;
/** A UTF-16 surrogate without its other half: text PostgreSQL cannot store (it would get U+FFFD). */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const METADATA_MAX_BYTES = 16 * 1024;
const METADATA_MAX_DEPTH = 32;

export const JobId = z
  .string()
  .regex(JOB_ID, 'jobId must be 1–128 characters of A-Z a-z 0-9 _ . -')
  .refine((v) => !isNumber(v), 'jobId must not be a number such as 42, -42 or 1e3 (BullMQ refuses them); add a prefix such as "imp_"');

export const SourceKey = z
  .string()
  .min(1)
  .max(1024)
  .refine((k) => !k.startsWith('/'), 'source.key must not start with "/"')
  .refine((k) => !k.split('/').includes('..'), 'source.key must not contain a ".." segment')
  .refine((k) => !CONTROL.test(k), 'source.key must not contain control characters');

/** The name the user's file had, shown in messages instead of the storage key (DESIGN §3). */
export const FileName = z
  .string()
  .min(1)
  .max(255)
  .refine((v) => !CONTROL.test(v) && !LONE_SURROGATE.test(v), 'source.fileName must not contain control characters or unpaired surrogates');

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

const oneChar = z.string().length(1, 'must be exactly one character');

export const CsvOptions = z
  .object({
    delimiter: z.enum([...DELIMITERS, 'auto']).default('auto'),
    encoding: z
      .string()
      .default('auto')
      .refine((e) => e === 'auto' || iconv.encodingExists(e), 'unknown encoding'),
    locale: z
      .string()
      .max(64)
      .refine(isLocaleTag, 'must be a BCP 47 language tag such as "pl" or "ru-RU"')
      .optional(),
    header: z.boolean().default(true),
    skipRows: z.number().int().min(0).max(1_000_000).default(0),
    // `auto`: `'` when the file is plainly `'`-quoted, else `"` (DESIGN §3); the choice is reported.
    quote: z.string().refine((q) => q === 'auto' || q.length === 1, 'must be "auto" or exactly one character').default('auto'),
    escape: oneChar.default('"'),
    /** `"lossless"`: undeclared columns take the type the sample proves, where no value changes in meaning (DESIGN §5.8). */
    inferTypes: z.enum(['none', 'lossless']).default('none'),
    /** Which sheet of a workbook: its name, or its 1-based position among the tabs (DESIGN §5.7). */
    sheet: z.union([z.string().min(1).max(31), z.number().int().min(1).max(65_535)]).optional(),
  })
  .strict();
export type CsvOptions = z.infer<typeof CsvOptions>;

function isLocaleTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export const COLUMN_TYPES = ['string', 'json', 'number', 'integer', 'boolean', 'date', 'datetime', 'time', 'email', 'url', 'uuid'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

const FORMAT_VALUES_MAX = 100;
const FormatWord = z.string().min(1).max(100);

/**
 * How the file spells a typed column's values (DESIGN §5.8): the decimal and group characters
 * of numbers, whether numbers come with currency or percent signs (`bareNumber: false`), a date
 * pattern (tokens YYYY YY MM M DD D HH H mm ss), the words for true and false.
 */
export const ColumnFormat = z
  .object({
    decimalChar: oneChar.refine((c) => !/[0-9+-]/.test(c), 'must not be a digit or a sign').optional(),
    groupChar: oneChar.refine((c) => !/[0-9+-]/.test(c), 'must not be a digit or a sign').optional(),
    bareNumber: z.boolean().optional(),
    pattern: z.string().min(1).max(100).optional(),
    trueValues: z.array(FormatWord).min(1).max(FORMAT_VALUES_MAX).optional(),
    falseValues: z.array(FormatWord).min(1).max(FORMAT_VALUES_MAX).optional(),
  })
  .strict()
  .refine((f) => f.decimalChar === undefined || f.decimalChar !== f.groupChar, 'decimalChar and groupChar must differ');
export type ColumnFormat = z.infer<typeof ColumnFormat>;

/** A bound or an allowed value: a number, or a string in the column's own stored spelling ("2024-03-01", "12.50"). */
const ConstraintValue = z.union([z.number().finite(), z.string().max(1000)]);

/** Checks on a column's values (DESIGN §5.8); a value that breaks one is a CONSTRAINT_ERROR, a repeat of a unique one DUPLICATE_VALUE. */
export const ColumnConstraints = z
  .object({
    enum: z.array(ConstraintValue).min(1).max(1000).optional(),
    pattern: z.string().min(1).max(1000).optional(),
    minimum: ConstraintValue.optional(),
    maximum: ConstraintValue.optional(),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(0).optional(),
    unique: z.boolean().optional(),
  })
  .strict();
export type ColumnConstraints = z.infer<typeof ColumnConstraints>;

const HeaderName = z.string().min(1).max(1000);

/**
 * One entry of the column plan (DESIGN §5.2): the header it matches (`name` or an alias, compared
 * after trimming, collapsing whitespace, ignoring case and accents), the key its values are
 * stored under (else the header's slug), its type, and its checks.
 */
export const ColumnSpec = z
  .object({
    name: HeaderName,
    aliases: z.array(HeaderName).max(100).optional(),
    key: z
      .string()
      .min(1)
      .max(200)
      .refine((v) => !CONTROL.test(v) && !LONE_SURROGATE.test(v), 'must not contain control characters or unpaired surrogates')
      .optional(),
    type: z.enum(COLUMN_TYPES).optional(),
    format: ColumnFormat.optional(),
    required: z.boolean().optional(),
    notEmpty: z.boolean().optional(),
    constraints: ColumnConstraints.optional(),
  })
  .strict();
export type ColumnSpec = z.infer<typeof ColumnSpec>;

export const UNMAPPED_COLUMNS = ['keep', 'drop', 'fail'] as const;
export type UnmappedColumns = (typeof UNMAPPED_COLUMNS)[number];

/** Two entries storing under one key could never be imported: refused where the sender hears why. */
function duplicateKey(columns: readonly ColumnSpec[] | undefined): string | undefined {
  const seen = new Set<string>();
  for (const c of columns ?? []) {
    if (c.key === undefined) continue;
    if (seen.has(c.key)) return c.key;
    seen.add(c.key);
  }
  return undefined;
}

/**
 * A name people see: no control characters (a NUL cannot even be stored), no unpaired surrogate
 * (PostgreSQL would get U+FFFD in its place). Refused here, where the sender hears why, rather
 * than by the worker after the job was queued.
 */
const DisplayText = z
  .string()
  .min(1)
  .max(200)
  .refine((v) => !CONTROL.test(v), 'must not contain control characters')
  .refine((v) => !LONE_SURROGATE.test(v), 'must not contain an unpaired surrogate');

const Metadata = z.record(z.string(), z.unknown()).superRefine((m, ctx) => {
  const problem = metadataProblem(m);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * What jsonb would refuse or change in list.metadata, checked without recursion (the body may
 * nest 30,000 levels deep within 64 KiB): too deep, NULs, unpaired surrogates, numbers that
 * JSON.parse made infinite, more than 16 KiB.
 */
function metadataProblem(metadata: Record<string, unknown>): string | undefined {
  const stack: [value: unknown, depth: number][] = [[metadata, 1]];
  const storable = (s: string) => !s.includes('\0') && !LONE_SURROGATE.test(s);
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string' && !storable(value)) return 'list.metadata must not contain NUL characters or unpaired surrogates';
    if (typeof value === 'number' && !Number.isFinite(value)) return 'list.metadata numbers must be finite';
    if (typeof value !== 'object' || value === null) continue;
    if (depth > METADATA_MAX_DEPTH) return `list.metadata must be nested at most ${METADATA_MAX_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(value)) {
      if (!storable(key)) return 'list.metadata must not contain NUL characters or unpaired surrogates';
      stack.push([child, depth + 1]);
    }
  }
  if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) return 'list.metadata must be at most 16 KiB';
  return undefined;
}

export const ImportRequest = z
  .object({
    jobId: JobId,
    source: z.object({ key: SourceKey, fileName: FileName.optional() }).strict(),
    list: z
      .object({
        name: DisplayText,
        ownerId: DisplayText.optional(),
        metadata: Metadata.optional(),
      })
      .strict(),
    csv: CsvOptions.default(CsvOptions.parse({})),
    columns: z.array(ColumnSpec).max(1000).optional(),
    unmappedColumns: z.enum(UNMAPPED_COLUMNS).default('keep'),
    invalidRows: z.enum(['fail', 'skip']).default('fail'),
    dryRun: z.boolean().default(false),
    /** Where the final status document is delivered (DESIGN §13); the service allows only `CALLBACK_URL_PREFIXES`. */
    callbackUrl: z.url({ protocol: /^https?$/, error: 'callbackUrl must be an http or https URL' }).max(2048).optional(),
    deleteSourceAfterImport: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const key = duplicateKey(r.columns);
    if (key !== undefined) ctx.addIssue({ code: 'custom', path: ['columns'], message: `two columns have the key "${key}"; keys must be unique` });
    // Without a plan every header is unmapped: "drop" would import nothing, "fail" every file.
    if (r.unmappedColumns !== 'keep' && !r.columns?.length) {
      ctx.addIssue({ code: 'custom', path: ['unmappedColumns'], message: `"${r.unmappedColumns}" needs a columns list to say which headers are mapped` });
    }
  });
export type ImportRequest = z.infer<typeof ImportRequest>;
export type ImportRequestInput = z.input<typeof ImportRequest>;

export const JOB_STATES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States a job's attempt never leaves; only a newer attempt starts over, and never after `cancelled` (DESIGN §3). */
export const FINAL_STATES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobState[];
export type FinalState = (typeof FINAL_STATES)[number];
export const isFinalState = (state: JobState): state is FinalState => (FINAL_STATES as readonly JobState[]).includes(state);

/** What an imported file was (DESIGN §5.6): text, or a workbook. */
export const FILE_TYPES = ['csv', 'xlsx'] as const;
export type FileType = (typeof FILE_TYPES)[number];
/** How the stored object was compressed around the file that was read. */
export const COMPRESSIONS = ['gzip', 'zip'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
/** What a refused file was found to be (`error.fileType` with UNSUPPORTED_FILE_TYPE). */
export const REFUSED_FILE_TYPES = [
  'xlsx', 'xls', 'xlsb', 'ods', 'pdf', 'png', 'jpeg', 'gif', 'webp', 'tiff', 'bmp', 'heic',
  'docx', 'doc', 'odt', 'rtf', 'pptx', 'ppt', 'odp', 'zip', 'gzip', '7z', 'rar', 'bzip2', 'xz', 'zstd', 'tar',
  'sqlite', 'executable', 'binary', 'html', 'xml',
] as const;
export type RefusedFileType = (typeof REFUSED_FILE_TYPES)[number];

export interface ColumnInfo {
  key: string;
  name: string;
  type: ColumnType;
  /** How the file spelled the values (typed columns only): what `list_columns.format` holds. */
  format?: ColumnFormat;
}

/** The type the sample proves for a column, whether or not it was applied (DESIGN §5.8). */
export interface SuggestedType {
  type: ColumnType;
  format?: ColumnFormat;
  /** Why the sample cannot decide (day/month order, `.` as decimal or group); the type is then `string`. */
  ambiguous?: string;
}

/** A column as the preview shows it: what it is, and what the sample suggests it could be. */
export interface PreviewColumn extends ColumnInfo {
  suggested?: SuggestedType;
}

export interface StatusProblem {
  row: number;
  line: number;
  column?: string;
  code: string;
  message: string;
  value?: string;
}

/** The rejected-rows report (DESIGN §5.4): where it is, and how many rows it holds. */
export interface RejectedRowsReport {
  key: string;
  rows: number;
}

export interface ImportResult {
  /** Absent for a dry run, which writes no list. */
  listId?: string;
  /** Present (true) for a dry run: `rows` are the rows that would have been written. */
  dryRun?: true;
  rows: number;
  columns: ColumnInfo[];
  skippedRows: number;
  alreadyImported: boolean;
  nulCharactersRemoved: number;
  /** How the file was read; absent when the result comes from an earlier attempt. */
  encoding?: string;
  /** How sure the encoding is, 0–1 (1: a BOM, a declared encoding, or text only one encoding reads). */
  encodingConfidence?: number;
  delimiter?: string;
  /** What the file was, and how it was compressed, if it was; absent when the result comes from an earlier attempt. */
  fileType?: FileType;
  compression?: Compression;
  /** The quote character the file was read with (`csv.quote`, or the one `auto` chose); absent as `encoding` is. */
  quote?: string;
  problems?: StatusProblem[];
  problemCount?: number;
  rejectedRows?: RejectedRowsReport;
}

/**
 * What was detected and planned, written as soon as the header and the type sample are read
 * (DESIGN §3); `sampleRows` are the first rows exactly as they will be stored.
 */
export interface ImportPreview {
  fileType: FileType;
  compression?: Compression;
  encoding: string;
  encodingConfidence: number;
  delimiter: string;
  /** The quote character the file is read with (`csv.quote`, or the one `auto` chose). */
  quote?: string;
  /** A workbook's sheet that was read, and every sheet's name in the workbook's order. */
  sheet?: string;
  sheets?: string[];
  /** The header row's cells as in the file (the positional names without a header). */
  header: string[];
  columns: PreviewColumn[];
  /** Cells longer than 200 characters are excerpts that say how much was cut. */
  sampleRows: Record<string, unknown>[];
  /** Fewer rows than the file has are shown: its rows are too wide for more within the document's bound. */
  sampleRowsCut?: true;
}

export interface Progress {
  rows: number;
  bytes: number;
  totalBytes: number;
  percent: number;
}

/** One reason a request was refused, as zod reports it: `path` names the field. */
export interface RequestIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

export interface StatusDocument {
  jobId: string;
  state: JobState;
  /** The run's number: 1, then one more per run after a failure, a stall or a shutdown hand-over (0 before the first run). */
  attempt: number;
  progress: Progress;
  preview?: ImportPreview;
  result?: ImportResult;
  error?: {
    code: string;
    message: string;
    retryable: boolean;
    problems?: StatusProblem[];
    problemCount?: number;
    rejectedRows?: RejectedRowsReport;
    /** For `REQUEST_INVALID`: the zod issues that refused the request (DESIGN §3). */
    issues?: RequestIssue[];
    /** With UNSUPPORTED_FILE_TYPE: what the file was found to be. */
    fileType?: string;
  };
  queuedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** For people to read: the writing host's clock, which orders nothing (DESIGN §3). */
  updatedAt: string;
  /**
   * The status store's count of writes to this document, handed out by the store: of two
   * documents of one job (a callback and a read, say), the one with the higher revision is newer.
   */
  revision?: number;
  /** Which writer wrote it and its write's number, `<writer>:<n>`: how the store keeps one writer's writes in order. */
  writer?: string;
  /**
   * What was shortened to keep the document under 64 KiB (DESIGN §3), in the order it was:
   * `texts` (cut to excerpts that say so), `preview.sampleRows` (left out), `problems` (the first
   * few kept; `problemCount` has them all), `preview` (left out), `result.columns` (the first 100;
   * the list has them all). Absent when nothing was.
   */
  shortened?: string[];
}

export const DEFAULT_STATUS_KEY_PREFIX = 'csv-import:job:';

/** The Upstash (or Redis) key of a job's status document, under the deployment's `STATUS_KEY_PREFIX`. */
export const statusKey = (jobId: string, prefix: string = DEFAULT_STATUS_KEY_PREFIX) => `${prefix}${jobId}`;
