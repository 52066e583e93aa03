import { performance } from 'node:perf_hooks';
import { cpuSeconds, memoryStats, PgBackendWatcher } from './proc-stats.js';
import type { VariantName, VariantResult } from './variants.js';

export interface Measurement {
  wallSeconds: number;
  /** The importing process (worker, reference child or psql): CPU spent during the import. */
  clientCpuSeconds: number;
  /** Its RSS when the import started, and its peak (VmHWM) when it ended. */
  startRssMb: number;
  peakRssMb: number;
  /** PostgreSQL client backends of the run's database. */
  serverCpuSeconds: number;
  serverBackends: number;
  /** This process: the S3 stand-in serving the object, the queue client, the pollers. */
  harnessCpuSeconds: number;
}

/**
 * Times `work` and charges CPU to the process that does it. Read just before and after, while
 * the process and its database backends are still alive (the children wait to be told to exit).
 */
export async function measure(pid: number, database: string, work: () => Promise<void>): Promise<Measurement> {
  const watcher = new PgBackendWatcher(database);
  await watcher.start();
  const before = { cpu: cpuSeconds(pid), memory: memoryStats(pid) };
  if (before.cpu === undefined || !before.memory) throw new Error(`process ${pid} is not running`);
  const harness = process.cpuUsage();
  const t0 = performance.now();
  try {
    await work();
  } catch (err) {
    await watcher.finish().catch(() => undefined);
    throw err;
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const harnessUsage = process.cpuUsage(harness);
  const after = { cpu: cpuSeconds(pid), memory: memoryStats(pid) };
  const server = await watcher.finish();
  if (after.cpu === undefined || !after.memory) throw new Error(`process ${pid} exited before it could be measured`);
  return {
    wallSeconds,
    clientCpuSeconds: after.cpu - before.cpu,
    startRssMb: before.memory.rssMb,
    peakRssMb: after.memory.peakRssMb,
    serverCpuSeconds: server.cpuSeconds,
    serverBackends: server.backends,
    harnessCpuSeconds: (harnessUsage.user + harnessUsage.system) / 1e6,
  };
}

export function resultOf(
  variant: VariantName,
  m: Measurement,
  verified: { rows: number; rowsCompared: number },
): Omit<VariantResult, 'run'> {
  return { variant, ...m, rows: verified.rows, rowsPerSecond: verified.rows / m.wallSeconds, rowsCompared: verified.rowsCompared };
}
