import { Router } from 'express';
import { SchemaNotMigratedError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { withTimeout } from '../../shared/with-timeout.js';

export type ReadinessCheck = () => Promise<unknown>;

/**
 * /health: the process answers. /ready: Redis and PostgreSQL answer too; a 503 names the one that
 * did not, and only the log says why (driver errors name hosts, users and ports: DESIGN §8).
 * A database behind this build's migrations is named with the migration and how to apply it.
 */
export function healthRouter(checks: Record<string, ReadinessCheck>, log: Logger, timeoutMs = 2_000): Router {
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
          log.warn({ err, dependency: name }, 'readiness check failed');
          return [name, err instanceof SchemaNotMigratedError ? err.message : 'unavailable'] as const;
        }
      }),
    );
    const failed = results.filter(([, r]) => r !== 'ok');
    res.status(failed.length ? 503 : 200).json({ status: failed.length ? 'unavailable' : 'ok', checks: Object.fromEntries(results) });
  });
  return router;
}
