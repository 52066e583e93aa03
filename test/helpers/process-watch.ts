import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full collection, as `--expose-gc` would give it, without the flag on the command line. */
function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The heap in use after two full collections: what is really held, not garbage awaiting one. */
export function heapAfterGc(): number {
  const gc = fullGc();
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface Watched<T> {
  outcome: Settled<T>;
  /** The longest the event loop could not run a timer, in ms. */
  maxBlockMs: number;
  /**
   * The most the work held at once, above the collected heap before it: the heap in use, sampled
   * every 10 ms, and re-read after a full collection whenever it passes `collectAbove` (garbage
   * not yet collected is not memory the work holds).
   */
  heapGrowth: number;
}

/**
 * Runs `work` in this process while Node's event-loop delay histogram records how long the loop
 * was blocked and a timer samples the heap (DESIGN §5: no input within the limits may block the
 * loop over a second or grow memory beyond a small constant). A forced collection counts as
 * blocking, so it cannot hide any; it only runs when the heap passes `collectAbove` (at most
 * every 100 ms), so a test that stays below its limit pays for none.
 */
export async function watchProcess<T>(work: () => Promise<T>, collectAbove = 64 * 1024 * 1024): Promise<Watched<T>> {
  const gc = fullGc();
  const before = heapAfterGc();
  let peak = 0;
  let lastGc = 0;
  const sample = () => {
    let growth = process.memoryUsage().heapUsed - before;
    if (growth > collectAbove) {
      // Counted only once a collection confirms it; the next one is at most 100 ms away.
      if (performance.now() - lastGc < 100) return;
      gc();
      lastGc = performance.now();
      growth = process.memoryUsage().heapUsed - before;
    }
    peak = Math.max(peak, growth);
  };
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const sampler = setInterval(sample, 10);
  histogram.enable();
  let outcome: Settled<T>;
  try {
    outcome = { ok: true, value: await work() };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    histogram.disable();
    clearInterval(sampler);
  }
  return { outcome, maxBlockMs: histogram.max / 1e6, heapGrowth: peak };
}
