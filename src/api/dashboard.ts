import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type Express, type RequestHandler } from 'express';

export const DASHBOARD_PATH = '/admin/queues';

export interface DashboardOptions {
  username: string;
  password: string;
  readOnly: boolean;
  /** The path prefix a proxy serves this app under (from PUBLIC_URL), e.g. `/csv-import`. */
  publicPrefix: string;
}

/** Bull Board on /admin/queues behind HTTP basic auth; read-only mode is enforced at the HTTP level too. */
export function dashboardRouter(queues: Queue[], options: DashboardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(`${options.publicPrefix.replace(/\/$/, '')}${DASHBOARD_PATH}`);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: options.readOnly })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'CSV imports' } },
  });
  const board = serverAdapter.getRouter() as Express;
  // bull-board serves from an Express app of its own, which doesn't inherit the api's settings.
  board.disable('x-powered-by');
  const router = Router();
  router.use(DASHBOARD_PATH, basicAuth(options.username, options.password));
  router.use(DASHBOARD_PATH, options.readOnly ? refuseMutations : refuseCrossSiteMutations);
  router.use(DASHBOARD_PATH, board);
  return router;
}

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

const refuseMutations: RequestHandler = (req, res, next) => {
  if (isRead(req.method)) return next();
  res.status(403).json({ error: 'the dashboard is read-only' });
};

/**
 * Browsers resend basic-auth credentials on requests another site makes them send, so a
 * mutation must come from the dashboard's own page: same-origin by Sec-Fetch-Site or Origin.
 */
const refuseCrossSiteMutations: RequestHandler = (req, res, next) => {
  if (isRead(req.method)) return next();
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const sameOrigin = site ? site === 'same-origin' : !origin || new URL(origin).host === req.get('host');
  if (sameOrigin) return next();
  res.status(403).json({ error: 'cross-site requests to the dashboard are refused' });
};

function basicAuth(username: string, password: string): RequestHandler {
  const expected = digest(`${username}:${password}`);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const given = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    // Comparing fixed-length digests keeps the check constant-time whatever the input length.
    if (match && timingSafeEqual(digest(given), expected)) return next();
    res.set('WWW-Authenticate', 'Basic realm="csv-import dashboard", charset="UTF-8"').status(401).json({ error: 'authentication required' });
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();
