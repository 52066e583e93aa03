import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import type { Job, Queue } from 'bullmq';
import { ImportRequest, type JobState } from '../../shared/contract.js';
import type { Logger } from '../../shared/logger.js';
import { JOB, importJobOptions, toJobState, type ImportJobData } from '../../shared/queues.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import { withTimeout } from '../../shared/with-timeout.js';
import { HttpError, NON_RETRYABLE } from '../errors.js';
import type { ApiMetrics } from '../metrics.js';
import { verifyQstash, type QstashKeys } from '../middleware/verify-qstash.js';
import { queueFailure } from '../queue-failure.js';

export const QSTASH_IMPORT_PATH = '/qstash/import';

// BullMQ waits for its connection to be ready before any command, even with the offline queue
// off; past this, Redis counts as down and QStash is told to retry later. The same bound holds
// the PING that tells a refused job from an unreachable Redis.
const QUEUE_TIMEOUT_MS = 2_000;

export interface QstashImportDeps {
  queue: Queue<ImportJobData>;
  /** Answers when the queue's Redis does. */
  pingQueue: () => Promise<unknown>;
  status: StatusStore;
  keys: QstashKeys;
  jobAttempts: number;
  jobBackoffMs: number;
  metrics: Pick<ApiMetrics, 'countDelivery'>;
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
      const request = parseRequest(req.body as Buffer);
      const jobId = request.jobId;
      const existing = await queueCall(deps, deps.queue.getJob(jobId));
      if (existing) {
        res.status(200).json({ jobId, state: await stateOf(deps, existing) });
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
      await deps.status
        .writeIfAbsent({
          jobId, state: 'queued', attempt: 0, progress: { rows: 0, bytes: 0, totalBytes: 0, percent: 0 },
          queuedAt, updatedAt: queuedAt,
        })
        .catch((err: unknown) => deps.log.warn({ err, jobId }, 'could not write queued status'));
      deps.log.info({ jobId, key: request.source.key, messageId: req.get('upstash-message-id') }, 'import queued');
      res.status(202).json({ jobId, state: 'queued' });
    },
  );
  return router;
}

function parseRequest(body: Buffer): ImportRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON', { body: { issues: [] }, headers: NON_RETRYABLE });
  }
  const parsed = ImportRequest.safeParse(json);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid import request', { body: { issues: parsed.error.issues }, headers: NON_RETRYABLE });
  }
  return parsed.data;
}

async function stateOf(deps: QstashImportDeps, job: Job<ImportJobData>): Promise<JobState> {
  return toJobState(await queueCall(deps, job.getState()), job.attemptsMade);
}

async function enqueue(deps: QstashImportDeps, data: ImportJobData): Promise<void> {
  await queueCall(
    deps,
    deps.queue.add(JOB.importCsv, data, { ...importJobOptions(deps.jobAttempts, deps.jobBackoffMs), jobId: data.request.jobId }),
  );
}

async function queueCall<T>(deps: QstashImportDeps, call: Promise<T>): Promise<T> {
  try {
    return await withTimeout(call, QUEUE_TIMEOUT_MS);
  } catch (err) {
    throw await queueFailure(err, deps.pingQueue, QUEUE_TIMEOUT_MS);
  }
}
