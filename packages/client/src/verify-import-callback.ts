import { Receiver } from '@upstash/qstash';
import { JOB_STATES, type StatusDocument } from '../../../src/shared/contract.js';
import { InvalidImportCallbackError } from './errors.js';

/** What the app's callback endpoint received. */
export interface ImportCallback {
  /** The `Upstash-Signature` header. */
  signature: string | null | undefined;
  /** The raw body, exactly as received (parse nothing before verifying). */
  body: string | Uint8Array;
  /**
   * The endpoint's public URL, as the job's `callbackUrl` (or the worker's `CALLBACK_URL`) names
   * it; behind a proxy that is not the URL the request arrived at.
   */
  url: string;
}

/** The QStash signing keys of the account the worker publishes with (both: keys rotate). */
export interface SigningKeys {
  currentSigningKey: string;
  nextSigningKey: string;
  /** Allowed clock skew on the token's `exp` and `nbf`, in seconds; default 5. */
  clockToleranceSeconds?: number;
}

/**
 * Checks that a completion callback was signed by QStash for `url` over this very body, and
 * resolves with the final status document it carries. Throws `InvalidImportCallbackError` on a
 * missing, bad or expired signature, a token for another URL, or a body that is not a status
 * document: answer such a request with 401 and ignore it.
 */
export async function verifyImportCallback(callback: ImportCallback, keys: SigningKeys): Promise<StatusDocument> {
  if (!callback.signature) throw new InvalidImportCallbackError('the callback has no Upstash-Signature header');
  const body = typeof callback.body === 'string' ? callback.body : new TextDecoder().decode(callback.body);
  // devMode false: a stray QSTASH_DEV in the app's environment must never swap in the SDK's dev keys.
  const receiver = new Receiver({ currentSigningKey: keys.currentSigningKey, nextSigningKey: keys.nextSigningKey, devMode: false });
  try {
    await receiver.verify({ signature: callback.signature, body, url: callback.url, clockTolerance: keys.clockToleranceSeconds ?? 5 });
  } catch (err) {
    // The SDK throws SignatureError for most failures and a TypeError for a token without a body claim.
    throw new InvalidImportCallbackError(`the callback's signature is not valid for ${callback.url}: ${(err as Error).message}`, { cause: err });
  }
  return parseStatusDocument(body);
}

function parseStatusDocument(body: string): StatusDocument {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidImportCallbackError('the callback body is not JSON');
  }
  const doc = value as Partial<StatusDocument> | null;
  if (typeof doc !== 'object' || doc === null || typeof doc.jobId !== 'string' || !JOB_STATES.includes(doc.state as never)) {
    throw new InvalidImportCallbackError('the callback body is not a status document (it needs a jobId and a state)');
  }
  return doc as StatusDocument;
}
