import type { StatusDocument } from '../../../src/shared/contract.js';

/**
 * The client's errors (it cannot use the server's `shared/errors.ts`: the client loads nothing of
 * the server). Each has a stable `name` to tell them apart across bundles.
 */

/** The request breaks the contract (`ImportRequest`); nothing was published. */
export class InvalidImportRequestError extends Error {
  override readonly name = 'InvalidImportRequestError';
  constructor(
    /** Each problem as `path: message`, e.g. `jobId: jobId must not be a number such as 42 …`. */
    readonly problems: string[],
  ) {
    super(`the import request is invalid: ${problems.join('; ')}`);
  }
}

/** `waitForImport` gave up before the job reached a final state. */
export class ImportTimeoutError extends Error {
  override readonly name = 'ImportTimeoutError';
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    /** The last status document read, or null when there was none. */
    readonly lastStatus: StatusDocument | null,
  ) {
    super(`import "${jobId}" did not finish within ${timeoutMs} ms: ${describe(lastStatus)}`);
  }
}

/** A callback request that did not come from QStash for this URL, or whose body is not a status document. */
export class InvalidImportCallbackError extends Error {
  override readonly name = 'InvalidImportCallbackError';
}

function describe(status: StatusDocument | null): string {
  if (!status) {
    return 'no status document was found (the request may not have been delivered yet, or the jobId is unknown or expired)';
  }
  return `it is still ${status.state} (attempt ${status.attempt}, ${status.progress.rows} rows, ${status.progress.percent}% of the file read)`;
}
