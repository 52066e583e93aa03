import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type Express, type RequestHandler } from 'express';
import { importQueueAdapter } from './dashboard-jobs.js';
import { ownOriginUi } from './dashboard-ui.js';

export const DASHBOARD_PATH = '/admin/queues';

export interface DashboardOptions {
  username: string;
  password: string;
  readOnly: boolean;
  /** Off in production: a failure shows as `CODE: message` alone. */
  showStackTraces: boolean;
  /** The path prefix a proxy serves this app under (from PUBLIC_URL), e.g. `/csv-import`. */
  publicPrefix: string;
}

/** Bull Board on /admin/queues behind HTTP basic auth; read-only mode is enforced at the HTTP level too. */
export function dashboardRouter(queues: Queue[], options: DashboardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(`${options.publicPrefix.replace(/\/$/, '')}${DASHBOARD_PATH}`);
  createBullBoard({
    queues: queues.map((q) => importQueueAdapter(q, { readOnly: options.readOnly, showStackTraces: options.showStackTraces })),
    serverAdapter,
    options: { uiBasePath: ownOriginUi(), uiConfig: { boardTitle: 'CSV imports' } },
  });
  const board = serverAdapter.getRouter() as Express;
  // bull-board serves from an Express app of its own, which doesn't inherit the api's settings.
  board.disable('x-powered-by');
  const router = Router();
  router.use(DASHBOARD_PATH, basicAuth(options.username, options.password));
  router.use(DASHBOARD_PATH, options.readOnly ? refuseMutations : refuseCrossSiteMutations);
  router.use(DASHBOARD_PATH, refuseJobData());
  router.use(DASHBOARD_PATH, board);
  return router;
}

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

/**
 * bull-board's routes that write a job's data (@bull-board/api dist/routes.js, 9.10): adding a
 * job and replacing one's data. A job's data says whose file goes into whose list, so nobody
 * writes it through the dashboard, password or not (DESIGN §8). Matched by an Express router
 * like bull-board's own (case-insensitive, trailing slash optional), so no spelling of these
 * paths that reaches bull-board's handler gets past this one. Retrying, promoting and cleaning
 * reuse the data the webhook wrote and stay allowed.
 */
export const JOB_DATA_ROUTES = [
  ['post', '/api/queues/:queueName/add'],
  ['patch', '/api/queues/:queueName/:jobId/update-data'],
] as const;

function refuseJobData(): Router {
  const router = Router();
  for (const [method, path] of JOB_DATA_ROUTES) {
    router[method](path, (_req, res) => {
      res.status(403).json({ error: 'job data cannot be written through the dashboard' });
    });
  }
  return router;
}

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
  const sameOrigin = site ? site === 'same-origin' : origin === undefined || hostOf(origin) === req.get('host');
  if (sameOrigin) return next();
  res.status(403).json({ error: 'cross-site requests to the dashboard are refused' });
};

/** An opaque origin (`null`: sandboxed frames, file: pages, some redirects) has no host. */
function hostOf(origin: string): string | undefined {
  return URL.canParse(origin) ? new URL(origin).host : undefined;
}

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
