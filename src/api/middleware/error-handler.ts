import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../../shared/logger.js';
import { HttpError, NON_RETRYABLE } from '../errors.js';
import { namedIssues, requestIssues } from '../refused-request.js';

/** The one place api errors become HTTP answers, and the one place they are logged. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err as { type?: string; status?: number };
    if (err instanceof HttpError) {
      // A cause is a failure underneath the answer (Redis, BullMQ): the operator needs it, the sender does not get it.
      if (err.status >= 500 || err.cause !== undefined) log.warn({ err, path: req.path }, 'request failed');
      else logRefusal(log, req.path, err.status, err.message, namedIssues(requestIssues(err)));
      res.status(err.status).set(err.headers).json({ error: err.message, ...err.body });
      return;
    }
    if (e.type === 'entity.too.large') {
      // The same body is as large on every redelivery.
      logRefusal(log, req.path, 413, 'request body is larger than 64 KiB');
      res.status(413).set(NON_RETRYABLE).json({ error: 'request body is larger than 64 KiB' });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: (err as Error).message });
      return;
    }
    log.error({ err, path: req.path }, 'unhandled api error');
    res.status(500).json({ error: 'internal error' });
  };
}

/**
 * Every refusal (401, 400, 413) is logged (DESIGN §3) with what was wrong and nothing of the
 * request itself: no headers (the signature), no body (the app's data).
 */
function logRefusal(log: Logger, path: string, status: number, reason: string, issues: string[] = []): void {
  log.warn({ path, status, reason, ...(issues.length ? { issues } : {}) }, 'request refused');
}
