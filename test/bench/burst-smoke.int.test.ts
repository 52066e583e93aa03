import { describe, expect, it } from 'vitest';
import { percentile, runBurst } from '../../bench/burst.js';

/** `npm run bench:burst` takes minutes; this runs the same code on a few jobs so it cannot rot. */
describe('npm run bench:burst, on a few jobs', () => {
  it('imports every job through the real api and worker processes and reports jobs/s and latencies', async () => {
    const [result] = await runBurst({ jobs: 6, rows: 5, configs: [{ workers: 1, concurrency: 2 }], parallelDeliveries: 3 });
    expect(result).toMatchObject({ workers: 1, concurrency: 2, jobs: 6, succeeded: 6 });
    expect(result!.jobsPerSecond).toBeGreaterThan(0);
    expect(result!.latencyMs.p50).toBeGreaterThan(0);
    expect(result!.latencyMs.p50).toBeLessThanOrEqual(result!.latencyMs.p99);
    expect(result!.latencyMs.p99).toBeLessThanOrEqual(result!.latencyMs.max);
  }, 120_000);

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(values, 50), percentile(values, 90), percentile(values, 99), percentile(values, 100)]).toEqual([50, 90, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
  });
});
