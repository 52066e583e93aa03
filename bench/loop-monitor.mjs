import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Preloaded into the worker by the bench (NODE_OPTIONS="--import …/loop-monitor.mjs"), so the
 * worker's event-loop delay can be measured without touching src/. A blocked loop is what loses
 * BullMQ's lock (DESIGN §7), so the number that matters is the longest delay.
 *
 * SIGUSR2 resets the histogram (the bench sends it just before adding the job, so start-up
 * module loading is not counted); SIGTERM writes the figures to BENCH_LOOP_DELAY_FILE before the
 * worker's own shutdown handler runs. Plain JavaScript, so a worker built to dist/ runs without
 * tsx's loader (and its extra thread) just to load the monitor.
 */
const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    histogram.disable();
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const figures = { maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean), samples: histogram.count };
    writeFileSync(file, JSON.stringify(figures));
  };
  process.on('SIGUSR2', () => histogram.reset());
  process.on('SIGTERM', write);
  process.on('exit', write);
}
