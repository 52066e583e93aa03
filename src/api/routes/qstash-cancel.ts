import express, { Router } from 'express';
import { z } from 'zod';
import { JobId } from '../../shared/contract.js';
import { cancelJob, type CancelDeps } from '../cancel-job.js';
import { verifyQstash, type QstashKeys } from '../middleware/verify-qstash.js';
import { parseBody } from '../parse-body.js';

export const QSTASH_CANCEL_PATH = '/qstash/cancel';

const CancelRequest = z.object({ jobId: JobId }).strict();

export interface QstashCancelDeps extends CancelDeps {
  keys: QstashKeys;
}

/**
 * POST /qstash/cancel: raw body → verify → validate → cancel (DESIGN §13). A 404 is retryable on
 * purpose: QStash delivers again, so a cancel that overtook its import still lands.
 */
export function qstashCancelRouter(deps: QstashCancelDeps): Router {
  const router = Router();
  router.post(
    QSTASH_CANCEL_PATH,
    express.raw({ type: () => true, limit: '64kb' }),
    verifyQstash(deps.keys),
    async (req, res) => {
      const { jobId } = parseBody(CancelRequest, req.body as Buffer, 'cancel request');
      const outcome = await cancelJob(deps, jobId);
      res.status(outcome.status).json(outcome.status === 404 ? { jobId } : { jobId, state: outcome.state });
    },
  );
  return router;
}
