/**
 * `@csv-import-worker/client`: what the main app imports to request imports, follow them, verify
 * their completion callbacks and cancel them (DESIGN §13). It loads @upstash/qstash,
 * @upstash/redis and the contract (zod, iconv-lite), nothing of the server.
 */
export { createImportClient, type ImportClient, type ImportClientOptions, type Published } from './import-client.js';
export { verifyImportCallback, type ImportCallback, type SigningKeys } from './verify-import-callback.js';
export type { WaitForImportOptions } from './wait-for-import.js';
export type { CancelImportOptions, CancelOutcome, CancelResult } from './cancel-outcome.js';
export { FINAL_STATES, isFinalState, type FinalState } from '../../../src/shared/contract.js';
export { ImportTimeoutError, InvalidImportCallbackError, InvalidImportRequestError } from './errors.js';
export { ImportRequest, JOB_STATES } from '../../../src/shared/contract.js';
export type {
  ColumnInfo, ImportRequestInput, RequestIssue, ImportResult, JobState, Progress, StatusDocument, StatusProblem,
} from '../../../src/shared/contract.js';
