import { Client } from '@upstash/qstash';
import { Redis } from '@upstash/redis';
import { ImportRequest, JobId, statusKey, type ImportRequestInput, type StatusDocument } from '../../../src/shared/contract.js';
import { watchCancel, type CancelImportOptions, type CancelResult } from './cancel-outcome.js';
import { InvalidImportRequestError } from './errors.js';
import { verifyImportCallback, type ImportCallback, type SigningKeys } from './verify-import-callback.js';
import { waitForImport, type WaitForImportOptions } from './wait-for-import.js';

// The api's routes (src/api/routes); the client may not import server code, so they are spelled here.
const IMPORT_PATH = '/qstash/import';
const CANCEL_PATH = '/qstash/cancel';
const DEFAULT_QSTASH_URL = 'https://qstash.upstash.io';

export interface ImportClientOptions {
  /** The QStash token the app publishes with (`QSTASH_TOKEN`). */
  qstashToken: string;
  /** QStash's API base URL; default `https://qstash.upstash.io` (another region has its own). */
  qstashUrl?: string;
  /** The service's public base URL (its `PUBLIC_URL`), e.g. `https://imports.example.com`. */
  workerUrl: string;
  /** The Upstash Redis REST endpoint the worker writes status documents to (read access is enough). */
  upstash: { url: string; token: string };
  /** The service's `STATUS_KEY_PREFIX`, when it is not the default `csv-import:job:`. */
  statusKeyPrefix?: string;
}

/** What `requestImport` published. */
export interface Published {
  jobId: string;
  /** QStash's id of the message (the existing one's when `deduplicated`). */
  messageId: string;
  /** True when QStash already had a message with this deduplication id and will not deliver it again. */
  deduplicated: boolean;
}

export interface ImportClient {
  /**
   * Validates the request against the contract (throws `InvalidImportRequestError`, publishing
   * nothing) and publishes it through QStash to the service, deduplicated on `jobId`: publishing
   * the same jobId again is safe (QStash drops it within its 10-minute window, the service after).
   */
  requestImport(request: ImportRequestInput): Promise<Published>;
  /**
   * Asks the service to cancel the job, through QStash, and resolves with what that did, read
   * from the status document within `timeoutMs` (default 30 s): `cancelled`, `finished` (too
   * late) or `unknown` (no such job).
   */
  cancelImport(jobId: string, options?: CancelImportOptions): Promise<CancelResult>;
  /** The job's status document as the service stored it, or null (never requested, not delivered yet, or expired). */
  getImportStatus(jobId: string): Promise<StatusDocument | null>;
  /** Polls the status document until the job succeeded, failed or was cancelled, and resolves with it. */
  waitForImport(jobId: string, options: WaitForImportOptions): Promise<StatusDocument>;
  /** See `verifyImportCallback`: checks a completion callback's signature and returns its status document. */
  verifyImportCallback(callback: ImportCallback, keys: SigningKeys): Promise<StatusDocument>;
}

/** The main app's door to the service (DESIGN §13): QStash to talk to it, Upstash to read what it reports. */
export function createImportClient(options: ImportClientOptions): ImportClient {
  // devMode false: a stray QSTASH_DEV in the app's environment must not reroute publishes to a dev server.
  const qstash = new Client({ token: options.qstashToken, baseUrl: options.qstashUrl ?? DEFAULT_QSTASH_URL, devMode: false });
  // Raw strings: the document is stored as JSON text and handed back as it is.
  const redis = new Redis({ url: options.upstash.url, token: options.upstash.token, automaticDeserialization: false });
  const workerUrl = options.workerUrl.replace(/\/+$/, '');
  const keyOf = (jobId: string) => statusKey(jobId, options.statusKeyPrefix);

  async function publish(path: string, body: unknown, jobId: string, deduplicationId: string): Promise<Published> {
    const answer = await qstash.publishJSON({ url: `${workerUrl}${path}`, body, deduplicationId });
    return { jobId, messageId: answer.messageId, deduplicated: answer.deduplicated === true };
  }

  async function getImportStatus(jobId: string): Promise<StatusDocument | null> {
    const text = await redis.get<string>(keyOf(jobId));
    return text === null ? null : (JSON.parse(text) as StatusDocument);
  }

  return {
    async requestImport(request) {
      const parsed = ImportRequest.safeParse(request);
      if (!parsed.success) {
        throw new InvalidImportRequestError(parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`));
      }
      return publish(IMPORT_PATH, request, parsed.data.jobId, parsed.data.jobId);
    },
    async cancelImport(jobId, cancelOptions = {}) {
      const parsed = JobId.safeParse(jobId);
      if (!parsed.success) throw new InvalidImportRequestError(parsed.error.issues.map((i) => `jobId: ${i.message}`));
      // ':' cannot occur in a jobId, so no import's deduplication id (its jobId) can equal a cancel's.
      await publish(CANCEL_PATH, { jobId }, jobId, `cancel:${jobId}`);
      return watchCancel(getImportStatus, jobId, cancelOptions);
    },
    getImportStatus,
    waitForImport: (jobId, waitOptions) => waitForImport(getImportStatus, jobId, waitOptions),
    verifyImportCallback,
  };
}
