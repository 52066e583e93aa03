import { pipeline } from 'node:stream/promises';
import { CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import type pg from 'pg';
import type { ImportLimits } from '../../shared/config.js';
import type { ColumnSpec, Compression, CsvOptions, FileType, ImportPreview, ImportResult, Progress, UnmappedColumns } from '../../shared/contract.js';
import type { Db } from '../../shared/db/client.js';
import { ImportError, toImportError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { csvParseOptions } from './csv-records.js';
import { NotUtf8AfterAll, createDecoder, type DecodeStats } from './encoding/decode.js';
import { SAMPLE_BYTES, detectEncoding, type EncodingChoice } from './encoding/detect-encoding.js';
import { findImportedList } from './sinks/list-store.js';
import { CHUNK_BYTES, RecordsToCopy, ReplanNeeded } from './records-to-copy.js';
import { RejectedRowsWriter, type ReportTarget } from './sinks/rejected-rows.js';
import { copyTextListId, nowhere, openListSink, type RowSink } from './sinks/row-sinks.js';
import { uniqueValues } from './unique-values.js';
import { excelSepLine, holdsWholeLine, sniffDelimiter } from './sniff-delimiter.js';
import type { RecordInput } from './sources/source-record.js';
import { guardSource, formatBytes, type ImportSource } from './sources/source.js';
import { detectQuote } from './sources/detect-quote.js';
import { withFileContent } from './sources/open-file.js';
import { isQuoteRuleError, quoteRuleMessage } from './sources/strict-quotes.js';
import { workbookRecords } from './sources/workbook/workbook-records.js';
import { withStatementTimeout } from './sinks/statement-timeout.js';

export interface ImportJob {
  jobId: string;
  /** The user's name for the file (`source.fileName`): messages name it instead of the storage key. */
  source?: { fileName?: string };
  list: { name: string; ownerId?: string; metadata?: Record<string, unknown> };
  csv: CsvOptions;
  columns?: ColumnSpec[];
  unmappedColumns?: UnmappedColumns;
  invalidRows: 'fail' | 'skip';
  /** Read and check everything, write nothing to PostgreSQL (DESIGN §5.3). */
  dryRun?: boolean;
}

export interface ImportDeps {
  db: Db;
  pool: pg.Pool;
  source: ImportSource;
  limits: ImportLimits;
  log: Logger;
  signal?: AbortSignal;
  /** Idle timeout for reads from the source, in ms (none when absent). */
  idleTimeoutMs?: number;
  progressEvery?: number;
  onProgress?(progress: Progress): void;
  /** Once the job is known not to be imported yet, before the file is opened. */
  onStart?(): Promise<void>;
  /** The last word before COMMIT: throwing rolls the import back (a worker that lost the job's lock). */
  beforeCommit?(): Promise<void>;
  /** Each chunk's size as it is read from the source, every pass included (for metrics). */
  onBytesRead?(bytes: number): void;
  /** Once the header and the type sample are read, each pass (DESIGN §3). */
  onPreview?(preview: ImportPreview): void;
  /** Where the rejected-rows report goes (DESIGN §5.4); none without one. */
  rejectedRows?: ReportTarget;
}

/**
 * Imports one CSV into a list, in one transaction (DESIGN §5). Idempotent on jobId. When values
 * contradict inferred types, the pass rolls back and the file is read once more with those
 * columns as string, so nothing half-typed is ever committed. At most once: the first pass reads
 * to the end and names every such column, so the second finds none (were it to, that is a bug,
 * and fails as INTERNAL rather than loop). A file whose first 64 KiB were plain ASCII and whose
 * later bytes are not UTF-8 is read once more in the encoding those bytes show.
 */
export async function importCsv(job: ImportJob, deps: ImportDeps): Promise<ImportResult> {
  // A dry run answers what this file would do, whether or not the job was imported before.
  const done = job.dryRun ? undefined : await importedList(job, deps);
  if (done) return done;
  await deps.onStart?.();
  const plan: PassPlan = { forcedStrings: new Set<number>() };
  for (;;) {
    try {
      return await importPass(job, deps, plan);
    } catch (err) {
      if (err instanceof NotUtf8AfterAll && !plan.encoding) {
        plan.encoding = await encodingOfLaterBytes(err, job.csv.locale);
        deps.log.info({ encoding: plan.encoding.encoding }, 'an ASCII start was followed by non-UTF-8 bytes; reading the file again');
        continue;
      }
      if (!(err instanceof ReplanNeeded) || plan.forcedStrings.size > 0) {
        return committedElsewhere(job, deps, prefixFileName(importErrorOf(err, deps.signal), deps.source.name, job.source?.fileName));
      }
      deps.log.info({ columns: [...err.columns] }, 'inferred columns hold values of another type; importing them as string');
      plan.forcedStrings = err.columns;
    }
  }
}

/** What an earlier pass found out that the next one must use. */
interface PassPlan {
  forcedStrings: ReadonlySet<number>;
  /** The encoding the bytes after a plain-ASCII sample showed (DESIGN §5.1: one more pass). */
  encoding?: EncodingChoice;
}

/**
 * The encoding of a file whose first 64 KiB were plain ASCII, from the bytes that were not
 * UTF-8: what detection would have said of a sample holding them. Text damaged as UTF-8 stays
 * the decoder's ENCODING_ERROR, and so does a guess the ASCII start cannot be in (UTF-16).
 */
async function encodingOfLaterBytes(err: NotUtf8AfterAll, locale: string | undefined): Promise<EncodingChoice> {
  const choice = await detectEncoding(err.sample, { locale, wholeFile: err.wholeFile }).catch(() => undefined);
  if (!choice || choice.encoding === 'utf-8' || choice.encoding.startsWith('utf-16')) throw err.error;
  return choice;
}


const importedList = (job: ImportJob, deps: ImportDeps) =>
  withStatementTimeout(findImportedList(deps.db, job.jobId), deps.limits.PG_STALL_TIMEOUT_MS);

/**
 * A permanent error can mean that another run of the job got there first: it committed the list
 * and deleted the source, and this run found the file gone (DESIGN §6). Then the job succeeded.
 */
async function committedElsewhere(job: ImportJob, deps: ImportDeps, error: ImportError): Promise<ImportResult> {
  const done = error.retryable || job.dryRun ? undefined : await importedList(job, deps);
  if (done) return done;
  throw error;
}


async function importPass(job: ImportJob, deps: ImportDeps, plan: PassPlan): Promise<ImportResult> {
  const { limits, signal } = deps;
  signal?.throwIfAborted();
  const { stream, totalBytes } = await deps.source.open(signal);
  if (totalBytes > limits.MAX_FILE_SIZE) {
    stream.destroy();
    throw new ImportError('FILE_TOO_LARGE', `the file is ${formatBytes(totalBytes)}; the limit is ${formatBytes(limits.MAX_FILE_SIZE)}`);
  }
  let bytes = 0;
  const onBytes = (n: number) => {
    deps.onBytesRead?.(n - bytes);
    bytes = n;
  };
  const chunks = guardSource(stream, { maxBytes: limits.MAX_FILE_SIZE, idleTimeoutMs: deps.idleTimeoutMs, onBytes });
  const opening = {
    name: deps.source.name, storedBytes: totalBytes, declaredEncoding: job.csv.encoding,
    maxFileBytes: limits.MAX_FILE_SIZE, maxInflatedBytes: limits.MAX_INFLATED_BYTES,
  };
  try {
    return await withFileContent(chunks, opening, async (content) => {
      if (!content.workbook) {
        const { chunks: text, readShare, ...file } = content;
        const read = readShare ? () => Math.round(totalBytes * readShare()) : () => bytes;
        return readAndWrite(job, deps, plan, { chunks: text, file, totalBytes, bytes: read });
      }
      const workbook = { sheet: job.csv.sheet, skipRows: job.csv.skipRows, limits, totalBytes, signal };
      return writeRecords(job, deps, plan, totalBytes, await workbookRecords(content.workbook, workbook));
    });
  } finally {
    // Ends the download (and frees its socket) however the pass ended.
    await chunks.return(undefined);
  }
}

/**
 * About 12,000 rows of the bench's file per COPY statement, and two output chunks of room to wait
 * here while PostgreSQL checks the previous statement's foreign keys (the row transform's own two
 * chunks wait too). Longer waits cost memory for nothing: a chunk held past two young collections
 * is freed only by a full one, which V8 starts once 64 MB of them have piled up. Measured (bench,
 * 1M rows, `--runs 2 --variants ours,floor`; then `bench:memory -- --large`, 1 GB vs 10 MB file):
 * one chunk of room 1.23× the floor; two 1.17×, +2.4%; four 1.08×, +13.6%.
 */
const COPY_BATCHES = { batchBytes: 16 * CHUNK_BYTES, aheadBytes: 2 * CHUNK_BYTES };

interface OpenStream {
  /** The text's bytes: the stored object's, or what its compression holds. */
  chunks: AsyncGenerator<Buffer>;
  file: { fileType: FileType; compression?: Compression };
  /** The stored object's size; progress counts its bytes. */
  totalBytes: number;
  bytes(): number;
}

async function readAndWrite(job: ImportJob, deps: ImportDeps, plan: PassPlan, input: OpenStream): Promise<ImportResult> {
  const { limits, signal } = deps;
  const { chunks, totalBytes } = input;
  const first = await readSample(chunks);
  if (first.sample.length === 0) throw new ImportError('EMPTY_FILE', 'the file is empty');

  const encoding = plan.encoding ?? (await detectEncoding(first.sample, { declared: job.csv.encoding, locale: job.csv.locale, wholeFile: !first.rest }));
  // Excel's `sep=X` first line is never a row; the delimiter it names yields to one the job names.
  const sepLine = excelSepLine(sampleText(first.sample, encoding, 0));
  const leadingLines = (sepLine ? 1 : 0) + job.csv.skipRows;
  const named = job.csv.delimiter === 'auto' ? sepLine : job.csv.delimiter;
  const quote = job.csv.quote === 'auto' ? detectQuote(sampleText(first.sample, encoding, leadingLines), named) : job.csv.quote;
  const { sample, rest } = named ? first : await readWholeLine(first, encoding, quote, leadingLines, limits.MAX_RECORD_BYTES);
  const delimiter = named ?? sniffDelimiter(sampleText(sample, encoding, leadingLines), quote, rest === undefined);
  const stats: DecodeStats = { sawNul: false };
  return writeRecords(job, deps, plan, totalBytes, {
    detected: { ...input.file, encoding: encoding.encoding, encodingConfidence: encoding.confidence, delimiter, quote },
    leadingLines,
    csvOptions: csvParseOptions(job.csv, delimiter, limits.MAX_RECORD_BYTES, leadingLines, quote),
    decodeStats: stats,
    bytes: input.bytes,
    feed: (rows, out) => pipeline(concat(sample, rest), createDecoder(encoding, stats), rows, out, { signal }),
  });
}

/** From the header on, one path whatever the file was (DESIGN §5.7): plan, types, problems, report, COPY. */
async function writeRecords(job: ImportJob, deps: ImportDeps, plan: PassPlan, totalBytes: number, input: RecordInput): Promise<ImportResult> {
  const { limits, signal } = deps;
  const { detected } = input;
  const progress = (rows: number) =>
    deps.onProgress?.({ rows, bytes: input.bytes(), totalBytes, percent: percentOf(input.bytes(), totalBytes) });

  const sink = job.dryRun ? nowhere() : await openListSink({
    pool: deps.pool,
    list: {
      jobId: job.jobId, name: job.list.name, ownerId: job.list.ownerId, metadata: job.list.metadata,
      sourceKey: deps.source.name, sourceBytes: totalBytes, fileName: job.source?.fileName,
    },
    copy: COPY_BATCHES,
    stallMs: limits.PG_STALL_TIMEOUT_MS,
  });
  if (!sink) return (await importedList(job, deps))!;
  const report = deps.rejectedRows ? new RejectedRowsWriter(deps.rejectedRows, signal, detected.delimiter) : undefined;
  const unique = uniqueValues(deps.pool, limits.PG_STALL_TIMEOUT_MS);
  try {
    const rows = new RecordsToCopy(
      {
        listId: copyTextListId(sink),
        header: job.csv.header,
        skipRows: input.leadingLines,
        plan: { columns: job.columns, unmappedColumns: job.unmappedColumns },
        forcedStrings: plan.forcedStrings,
        locale: job.csv.locale,
        inferTypes: job.csv.inferTypes,
        unique,
        invalidRows: job.invalidRows,
        maxColumns: limits.MAX_COLUMNS,
        maxRows: limits.MAX_ROWS,
        decodeStats: input.decodeStats,
        progressEvery: deps.progressEvery ?? 1000,
        onProgress: progress,
        onPreview: deps.onPreview && ((preview) => deps.onPreview!({ ...detected, ...input.preview, ...preview })),
        rejected: report,
      },
      input.csvOptions,
    );
    try {
      await input.feed(rows, sink.rows);
    } catch (err) {
      await sink.abort(true);
      throw await withReport(translatePipelineError(err, rows, signal), report);
    }
    // The report is complete before the list is committed (DESIGN §5.4).
    const rejectedRows = await report?.finish();
    const result: ImportResult = {
      ...(sink.listId ? { listId: sink.listId } : { dryRun: true as const }),
      rows: rows.rowsWritten,
      columns: rows.columns,
      skippedRows: rows.skippedRows,
      alreadyImported: false,
      nulCharactersRemoved: rows.nulRemoved,
      ...detected,
      ...(rows.problemCount ? { problems: rows.problems, problemCount: rows.problemCount } : {}),
      ...(rejectedRows ? { rejectedRows } : {}),
    };
    await sink.commit(result, deps.beforeCommit);
    progress(rows.rowsWritten);
    return result;
  } catch (err) {
    await sink.abort(false);
    // A report the error names is the answer to those rows; any other is removed with the pass.
    if (!(err instanceof ImportError && err.rejectedRows)) await report?.abort();
    throw err;
  } finally {
    await unique.close();
  }
}

/**
 * A pass that failed for its invalid rows completes their report and names it in the error;
 * any other failure (a replan, a broken file, an abort) leaves no report behind.
 */
async function withReport(err: unknown, report: RejectedRowsWriter | undefined): Promise<unknown> {
  if (!report || !(err instanceof ImportError) || !err.problems?.length) return err;
  const rejectedRows = await report.finish();
  return rejectedRows ? err.withRejectedRows(rejectedRows) : err;
}

interface Sample {
  sample: Buffer;
  /** Undefined when the sample is the whole file. */
  rest: AsyncGenerator<Buffer> | undefined;
}

/** Reads the first `bytes` (SAMPLE_BYTES for detection); `rest` is undefined when that was the whole file. */
async function readSample(chunks: AsyncGenerator<Buffer>, bytes = SAMPLE_BYTES): Promise<Sample> {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < bytes) {
    const next = await chunks.next();
    if (next.done) return { sample: Buffer.concat(parts), rest: undefined };
    parts.push(next.value);
    size += next.value.length;
  }
  return { sample: Buffer.concat(parts), rest: chunks };
}

/**
 * Grows the sample (doubling it, up to about a record's size limit) until it holds one whole line
 * after the leading lines: a first line longer than the sample was sniffed from a fragment, which
 * holds no delimiter when its first cell is long, and the file was then read as one column.
 */
async function readWholeLine(first: Sample, encoding: EncodingChoice, quote: string, leadingLines: number, maxRecordBytes: number): Promise<Sample> {
  let { sample, rest } = first;
  // Twice the limit: a record's bytes are counted in UTF-8, the sample's in the file's encoding.
  const limit = SAMPLE_BYTES + 2 * maxRecordBytes;
  while (rest && sample.length < limit && !holdsWholeLine(sampleText(sample, encoding, leadingLines), quote)) {
    const more = await readSample(rest, sample.length);
    sample = Buffer.concat([sample, more.sample]);
    rest = more.rest;
  }
  return { sample, rest };
}

async function* concat(first: Buffer, rest: AsyncGenerator<Buffer> | undefined): AsyncGenerator<Buffer> {
  yield first;
  if (rest) yield* rest;
}

/** The sample as text, without its BOM and its first `leadingLines` lines. */
function sampleText(sample: Buffer, encoding: EncodingChoice, leadingLines: number): string {
  const text = iconv.decode(sample.subarray(encoding.bomLength), encoding.encoding === 'utf-8' ? 'utf8' : encoding.encoding);
  if (!leadingLines) return text;
  const lines = text.split(/\r\n|\n|\r/);
  return lines.slice(leadingLines).join('\n');
}

const percentOf = (bytes: number, total: number) => (total ? Math.min(100, Math.floor((bytes / total) * 100)) : 100);

function translatePipelineError(err: unknown, rows: RecordsToCopy, signal: AbortSignal | undefined): unknown {
  if (err instanceof ReplanNeeded || err instanceof ImportError) return err;
  if (signal?.aborted) return shuttingDown(err);
  if (err instanceof CsvError) {
    const line = rows.lineAfterLastRecord(typeof err.empty_lines === 'number' ? err.empty_lines : 0);
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      return new ImportError('CSV_MALFORMED', `a quoted field starting on line ${line} is never closed (a missing closing quote)`, { cause: err });
    }
    if (isQuoteRuleError(err)) return new ImportError('CSV_MALFORMED', quoteRuleMessage(err, line), { cause: err });
    if (err.code === 'CSV_MAX_RECORD_SIZE') {
      return new ImportError('RECORD_TOO_LARGE', `the record starting on line ${line} is larger than the limit; check the delimiter and quotes`, { cause: err });
    }
    return new ImportError('CSV_MALFORMED', `the file is not valid CSV near line ${line}: ${err.message}`, { cause: err });
  }
  return err;
}

const shuttingDown = (cause: unknown) =>
  new ImportError('SHUTTING_DOWN', 'the import was interrupted (worker shutting down); it will be retried', { cause });

/**
 * An abort outside the pipeline (before the first byte, while opening the source or connecting)
 * surfaces as a bare AbortError; it must still be SHUTTING_DOWN, which the processor requeues at
 * once, not INTERNAL, which would spend an attempt. A file's own ImportError stands.
 */
function importErrorOf(err: unknown, signal: AbortSignal | undefined): ImportError {
  if (err instanceof ImportError) return err;
  return signal?.aborted ? shuttingDown(err) : toImportError(err);
}

/**
 * Names the file in the message as its user knows it: by `fileName` when the app gave one, which
 * also replaces the storage key wherever a lower layer quoted it (DESIGN §3).
 */
function prefixFileName(err: ImportError, key: string, fileName?: string): ImportError {
  const name = fileName ?? key;
  if (err.message.startsWith(`"${name}"`)) return err;
  const message = fileName === undefined ? err.message : err.message.replaceAll(`"${key}"`, `"${fileName}"`);
  return new ImportError(err.code, `"${name}": ${message}`, {
    cause: err.cause, problems: err.problems, problemCount: err.problemCount, rejectedRows: err.rejectedRows, fileType: err.fileType,
  });
}
