import { Router } from 'express';
import { withTimeout } from '../../shared/with-timeout.js';

export type ReadinessCheck = () => Promise<unknown>;

/** /health: the process answers. /ready: Redis and PostgreSQL answer too (503 names the one that did not). */
export function healthRouter(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `unavailable: ${(err as Error).message}`] as const;
        }
      }),
    );
    const failed = results.filter(([, r]) => r !== 'ok');
    res.status(failed.length ? 503 : 200).json({ status: failed.length ? 'unavailable' : 'ok', checks: Object.fromEntries(results) });
  });
  return router;
}
