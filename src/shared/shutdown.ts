import type { Logger } from './logger.js';

export type ShutdownStep = readonly [name: string, run: () => Promise<unknown> | unknown];

/**
 * Runs the steps once, in order, on the first SIGTERM or SIGINT; each step is isolated so one
 * failure does not skip the rest, then exits 0. A hard timer (unref'd) exits 1 if the steps hang.
 * Returns the function that runs the same shutdown, for callers that trigger it themselves.
 */
export function registerShutdown(log: Logger, steps: ShutdownStep[], hardTimeoutMs: number): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (running ??= (async () => {
      log.info({ reason }, 'shutting down');
      setTimeout(() => {
        log.error({ hardTimeoutMs }, 'shutdown took too long; exiting');
        process.exit(1);
      }, hardTimeoutMs).unref();
      for (const [name, run] of steps) {
        try {
          await run();
        } catch (err) {
          log.error({ err, step: name }, 'shutdown step failed');
        }
      }
      log.info('shutdown complete');
      process.exit(0);
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (running) log.info({ signal }, 'already shutting down');
      void shutdown(signal);
    });
  }
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  return () => shutdown('requested');
}
