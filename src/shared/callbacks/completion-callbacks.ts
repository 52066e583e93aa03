import { Client } from '@upstash/qstash';
import type { StatusDocument } from '../contract.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';
import { isAllowedCallbackUrl } from './callback-url.js';

/**
 * Publish attempts: the first at once, then after these waits. Each waits at most
 * PUBLISH_TIMEOUT_MS for QStash, so a QStash that is down holds a job's end for under 12 s.
 */
const PUBLISH_DELAYS_MS = [0, 250, 1_000, 2_500];
const PUBLISH_TIMEOUT_MS = 2_000;

export interface CompletionCallbackConfig {
  QSTASH_TOKEN?: string;
  QSTASH_URL: string;
  CALLBACK_URL?: string;
  CALLBACK_URL_PREFIXES: string[];
}

/** What QStash is asked to deliver: `publishJSON`'s arguments. */
interface CallbackMessage {
  url: string;
  body: StatusDocument;
  deduplicationId: string;
}

/**
 * What one final status's callback came to: `delivered` when QStash accepted the publish (its
 * delivery to the app is QStash's to retry), `failed` after the retries, `skipped` without a
 * QSTASH_TOKEN or a URL, `refused` for a callbackUrl outside CALLBACK_URL_PREFIXES.
 */
export const CALLBACK_PUBLISH_OUTCOMES = ['delivered', 'failed', 'skipped', 'refused'] as const;
export type CallbackPublishOutcome = (typeof CALLBACK_PUBLISH_OUTCOMES)[number];

export interface CompletionCallbacks {
  /**
   * Publishes the job's final status document through QStash to `callbackUrl`, or to
   * `CALLBACK_URL` when the job has none; retried, then logged as an error. Never rejects.
   */
  send(doc: StatusDocument, callbackUrl: string | undefined): Promise<void>;
}

/**
 * One per job, attempt and state (DESIGN §13): an operator's retry that ends `failed` again is a
 * new callback, which QStash would drop within its window were the id the same. The id shares
 * QStash's deduplication ids with the app's own publishes (an import's is its bare jobId, a
 * cancel's `cancel:<jobId>`): a jobId holds no `:`, and the `callback:` prefix is no other's.
 */
export const callbackDeduplicationId = (doc: StatusDocument): string => `callback:${doc.jobId}:${doc.attempt}:${doc.state}`;

/**
 * The completion callback (DESIGN §13), published with the QStash client to `QSTASH_URL`. Each
 * `send` reports its outcome once to `onOutcome`: the process running it counts it in its metrics.
 */
export function createCompletionCallbacks(
  config: CompletionCallbackConfig,
  log: Logger,
  onOutcome: (outcome: CallbackPublishOutcome) => void = () => {},
): CompletionCallbacks {
  const publish = config.QSTASH_TOKEN ? qstashPublisher(config.QSTASH_TOKEN, config.QSTASH_URL) : undefined;
  return {
    async send(doc, callbackUrl) {
      const url = callbackUrl ?? config.CALLBACK_URL;
      const fields = { jobId: doc.jobId, state: doc.state };
      if (!publish || !url) {
        log.debug({ ...fields, reason: publish ? 'no callbackUrl and no CALLBACK_URL' : 'no QSTASH_TOKEN' }, 'no completion callback');
        onOutcome('skipped');
        return;
      }
      // The api checked it against the prefixes; a job queued under other settings is checked again.
      if (callbackUrl && !isAllowedCallbackUrl(callbackUrl, config.CALLBACK_URL_PREFIXES)) {
        log.warn({ ...fields, callbackHost: hostOf(url) }, 'completion callback not sent: callbackUrl is outside CALLBACK_URL_PREFIXES');
        onOutcome('refused');
        return;
      }
      const message = { url, body: doc, deduplicationId: callbackDeduplicationId(doc) };
      let lastError: unknown;
      for (const [attempt, delay] of PUBLISH_DELAYS_MS.entries()) {
        if (delay) await new Promise((r) => setTimeout(r, delay));
        try {
          await withTimeout(publish(message), PUBLISH_TIMEOUT_MS);
          log.info({ ...fields, callbackHost: hostOf(url), attempts: attempt + 1 }, 'completion callback published');
          onOutcome('delivered');
          return;
        } catch (err) {
          lastError = err;
          if (!retryable(err)) break;
        }
      }
      // The URL's host only: its path and query may carry the app's own tokens.
      log.error({ ...fields, callbackHost: hostOf(url), err: lastError }, 'could not publish the completion callback; the app will not be called');
      onOutcome('failed');
    },
  };
}

function qstashPublisher(token: string, baseUrl: string): (message: CallbackMessage) => Promise<unknown> {
  // Our loop retries, within its bound; devMode false: a stray QSTASH_DEV must not reroute callbacks.
  const client = new Client({ token, baseUrl, retry: false, devMode: false });
  return (message) => client.publishJSON(message);
}

/** QStash refusing the request itself (a bad token, a URL it will not call) answers the same again. */
function retryable(err: unknown): boolean {
  const status = (err as { status?: unknown }).status;
  return typeof status !== 'number' || status === 429 || status >= 500;
}

function hostOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).host : undefined;
}
