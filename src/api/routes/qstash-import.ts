import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import type { Job, Queue } from 'bullmq';
import { ImportRequest, type JobState } from '../../shared/contract.js';
import type { Logger } from '../../shared/logger.js';
import { JOB, importJobOptions, toJobState, type ImportJobData } from '../../shared/queues.js';
import { isAllowedCallbackUrl } from '../../shared/callbacks/callback-url.js';
import { JobStatus } from '../../shared/status/job-status.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import { HttpError, NON_RETRYABLE } from '../errors.js';
import { parseBody } from '../parse-body.js';
import type { ApiMetrics } from '../metrics.js';
import { verifyQstash, type QstashKeys } from '../middleware/verify-qstash.js';
import { callQueue } from '../queue-failure.js';
import { recordRefusedRequest } from '../refused-request.js';

export const QSTASH_IMPORT_PATH = '/qstash/import';

export interface QstashImportDeps {
  queue: Queue<ImportJobData>;
  /** Answers when the queue's Redis does. */
  pingQueue: () => Promise<unknown>;
  status: StatusStore;
  /** Whether the jobId was cancelled (and nothing committed): a late delivery then imports nothing. */
  wasCancelled(jobId: string): Promise<boolean>;
  keys: QstashKeys;
  jobAttempts: number;
  jobBackoffMs: number;
  metrics: Pick<ApiMetrics, 'countDelivery'>;
  /** CALLBACK_URL_PREFIXES: where a job's callbackUrl may point (none: nowhere). */
  callbackUrlPrefixes: readonly string[];
  log: Logger;
}

/** POST /qstash/import: raw body → verify → validate → enqueue once per jobId (DESIGN §3). */
export function qstashImportRouter(deps: QstashImportDeps): Router {
  const router = Router();
  router.post(
    QSTASH_IMPORT_PATH,
    deps.metrics.countDelivery,
    express.raw({ type: () => true, limit: '64kb' }),
    verifyQstash(deps.keys),
    async (req, res) => {
      const request = await refusalRecorded(deps, req.body as Buffer, () => {
        const parsed = parseBody(ImportRequest, req.body as Buffer, 'import request');
        refuseForeignCallback(parsed.callbackUrl, deps.callbackUrlPrefixes);
        return parsed;
      });
      const jobId = request.jobId;
      const existing = await queueCall(deps, deps.queue.getJob(jobId));
      if (existing) {
        res.status(200).json({ jobId, state: await stateOf(deps, existing) });
        return;
      }
      // Its job may be gone from the queue (taken out when cancelled, or by retention); a run of
      // a new one would find the key and end at once, but nothing need be queued at all.
      if (await deps.wasCancelled(jobId)) {
        res.status(200).json({ jobId, state: 'cancelled' });
        return;
      }
      const deliveryId = randomUUID();
      const queuedAt = new Date().toISOString();
      await enqueue(deps, { request, deliveryId, queuedAt });
      // queue.add is a no-op for a jobId that exists: the stored deliveryId says who won a race.
      const job = await queueCall(deps, deps.queue.getJob(jobId));
      if (job && job.data.deliveryId !== deliveryId) {
        res.status(200).json({ jobId, state: await stateOf(deps, job) });
        return;
      }
      await new JobStatus({ jobId, attempt: 0, queuedAt }, deps.status, deps.log.child({ jobId })).queued();
      deps.log.info({ jobId, key: request.source.key, messageId: req.get('upstash-message-id') }, 'import queued');
      res.status(202).json({ jobId, state: 'queued' });
    },
  );
  return router;
}

/**
 * The service would publish every job's final status, signed by QStash, to whatever URL a sender
 * names: only the deployment's own prefixes are allowed (DESIGN §3). The same body fails the same
 * way, so QStash must not retry.
 */
function refuseForeignCallback(callbackUrl: string | undefined, prefixes: readonly string[]): void {
  if (callbackUrl === undefined || isAllowedCallbackUrl(callbackUrl, prefixes)) return;
  const message = prefixes.length
    ? `callbackUrl must start with one of the allowed prefixes: ${prefixes.join(', ')}`
    : 'callbackUrl is not accepted: this service allows no callback URLs (CALLBACK_URL_PREFIXES is not set)';
  throw new HttpError(400, 'invalid import request', {
    body: { issues: [{ code: 'custom', path: ['callbackUrl'], message }] },
    headers: NON_RETRYABLE,
  });
}

/** Checks the request; a refusal is also written to its status document before the 400 goes out. */
async function refusalRecorded<T>(deps: QstashImportDeps, body: Buffer, check: () => T): Promise<T> {
  try {
    return check();
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) await recordRefusedRequest(deps, body, err);
    throw err;
  }
}

async function stateOf(deps: QstashImportDeps, job: Job<ImportJobData>): Promise<JobState> {
  return toJobState(await queueCall(deps, job.getState()), job.attemptsMade, job.failedReason);
}

async function enqueue(deps: QstashImportDeps, data: ImportJobData): Promise<void> {
  await queueCall(
    deps,
    deps.queue.add(JOB.importCsv, data, { ...importJobOptions(deps.jobAttempts, deps.jobBackoffMs), jobId: data.request.jobId }),
  );
}

const queueCall = <T>(deps: QstashImportDeps, call: Promise<T>): Promise<T> => callQueue(call, deps.pingQueue);
