import express, { Router } from 'express';
import { z } from 'zod';
import { JobId } from '../../shared/contract.js';
import { cancelJob, type CancelDeps } from '../cancel-job.js';
import { NON_RETRYABLE } from '../errors.js';
import type { ApiMetrics } from '../metrics.js';
import { verifyQstash, type QstashKeys } from '../middleware/verify-qstash.js';
import { parseBody } from '../parse-body.js';

export const QSTASH_CANCEL_PATH = '/qstash/cancel';

const CancelRequest = z.object({ jobId: JobId }).strict();

export interface QstashCancelDeps extends CancelDeps {
  keys: QstashKeys;
  metrics: Pick<ApiMetrics, 'countCancel'>;
}

/**
 * POST /qstash/cancel: raw body → verify → validate → cancel (DESIGN §13). A 404 is retryable on
 * purpose: QStash delivers again, so a cancel that overtook its import still lands. A 409 is not:
 * a finished job stays finished, whatever a redelivery would find.
 */
export function qstashCancelRouter(deps: QstashCancelDeps): Router {
  const router = Router();
  router.post(
    QSTASH_CANCEL_PATH,
    deps.metrics.countCancel,
    express.raw({ type: () => true, limit: '64kb' }),
    verifyQstash(deps.keys),
    async (req, res) => {
      const { jobId } = parseBody(CancelRequest, req.body as Buffer, 'cancel request');
      const outcome = await cancelJob(deps, jobId);
      if (outcome.status === 409) res.set(NON_RETRYABLE);
      res.status(outcome.status).json(outcome.status === 404 ? { jobId } : { jobId, state: outcome.state });
    },
  );
  return router;
}
