import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type RequestHandler } from 'express';

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
  const router = Router();
  router.use(DASHBOARD_PATH, basicAuth(options.username, options.password));
  if (options.readOnly) router.use(DASHBOARD_PATH, refuseMutations);
  router.use(DASHBOARD_PATH, serverAdapter.getRouter() as RequestHandler);
  return router;
}

const refuseMutations: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  res.status(403).json({ error: 'the dashboard is read-only' });
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
