import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The heap in use after two full collections: what is really held, not garbage awaiting one. */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface Watched<T> {
  outcome: Settled<T>;
  /** The longest the event loop could not run a timer, in ms. */
  maxBlockMs: number;
  /** The highest heap in use while the work ran, above the collected heap before it. */
  heapPeakGrowth: number;
}

/**
 * Runs `work` in this process while a 10 ms timer samples the heap and Node's event-loop delay
 * histogram records how long the loop was blocked (DESIGN §5: no input within the limits may
 * block the loop over a second or grow memory beyond a small constant).
 */
export async function watchProcess<T>(work: () => Promise<T>): Promise<Watched<T>> {
  const before = heapAfterGc();
  let peak = before;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
  histogram.enable();
  let outcome: Settled<T>;
  try {
    outcome = { ok: true, value: await work() };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    histogram.disable();
    clearInterval(sample);
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return { outcome, maxBlockMs: histogram.max / 1e6, heapPeakGrowth: peak - before };
}
