import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { BENCH_PG_URL } from './env.js';

/** Linux only: the bench reads /proc, which covers every thread of a process (GC, libuv pool). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a live process, in seconds; undefined once it has gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export interface MemoryStats {
  rssMb: number;
  /** VmHWM: the peak resident set since the process started. */
  peakRssMb: number;
}

export function memoryStats(pid: number): MemoryStats | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * The CPU that PostgreSQL's client backends for one database spent during a run. Backends come
 * and go with pools, so it polls pg_stat_activity (from the `postgres` database, so its own
 * backend is never counted) and keeps the last reading of each; a backend already there at the
 * start counts only what it spent after.
 */
export class PgBackendWatcher {
  private readonly client = new pg.Client({ connectionString: BENCH_PG_URL, application_name: 'csv-import-bench-monitor' });
  private readonly baseline = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly database: string, private readonly intervalMs = 200) {}

  async start(): Promise<void> {
    await this.client.connect();
    for (const pid of await this.backends()) this.baseline.set(pid, cpuSeconds(pid) ?? 0);
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll()).catch(() => undefined);
    }, this.intervalMs);
  }

  /** Reads every backend once more, stops, and returns the server CPU seconds of the run. */
  async finish(): Promise<{ cpuSeconds: number; backends: number }> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
    await this.client.end();
    let total = 0;
    for (const [pid, seconds] of this.last) total += seconds - (this.baseline.get(pid) ?? 0);
    return { cpuSeconds: total, backends: this.last.size };
  }

  private async poll(): Promise<void> {
    for (const pid of await this.backends()) {
      const seconds = cpuSeconds(pid);
      if (seconds !== undefined) this.last.set(pid, seconds);
    }
  }

  private async backends(): Promise<number[]> {
    const { rows } = await this.client.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = $1 and backend_type = 'client backend'`,
      [this.database],
    );
    return rows.map((r) => r.pid);
  }
}
