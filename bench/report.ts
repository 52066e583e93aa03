import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { adminQuery } from './database.js';
import { BENCH_RESULTS } from './env.js';
import type { Dataset } from './generate-csv.js';
import { srcFingerprint } from './src-fingerprint.js';
import type { VariantName, VariantResult } from './variants.js';

export interface VariantSummary {
  variant: VariantName;
  runs: number;
  wallSeconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  clientCpuSeconds: number;
  serverCpuSeconds: number;
  harnessCpuSeconds: number;
  maxLoopDelayMs?: number;
}

/** Medians per variant: these machines are noisy, so no lone figure is trusted. */
export function summarise(results: readonly VariantResult[]): VariantSummary[] {
  const byVariant = new Map<VariantName, VariantResult[]>();
  for (const r of results) byVariant.set(r.variant, [...(byVariant.get(r.variant) ?? []), r]);
  return [...byVariant].map(([variant, rs]) => {
    const delays = rs.flatMap((r) => (r.loopDelay ? [r.loopDelay.maxMs] : []));
    return {
      variant,
      runs: rs.length,
      wallSeconds: median(rs.map((r) => r.wallSeconds)),
      rowsPerSecond: median(rs.map((r) => r.rowsPerSecond)),
      peakRssMb: median(rs.map((r) => r.peakRssMb)),
      clientCpuSeconds: median(rs.map((r) => r.clientCpuSeconds)),
      serverCpuSeconds: median(rs.map((r) => r.serverCpuSeconds)),
      harnessCpuSeconds: median(rs.map((r) => r.harnessCpuSeconds)),
      // The worst run, not the median: one blocked loop is enough to lose a lock.
      ...(delays.length ? { maxLoopDelayMs: Math.max(...delays) } : {}),
    };
  });
}

/** Wall-clock ratio of the medians: below 1 means ours is faster. `before` is compared with the floor too. */
export function ratios(summary: readonly VariantSummary[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['ours', 'before'] as const) {
    const subject = summary.find((s) => s.variant === name);
    for (const other of summary) {
      if (subject && other !== subject && !(name === 'before' && other.variant === 'ours')) {
        out[`${name}/${other.variant}`] = subject.wallSeconds / other.wallSeconds;
      }
    }
  }
  return out;
}

/** What could make the figures misleading: other load on the machine, src/ edited mid-bench. */
export function formatWarnings(results: readonly VariantResult[]): string {
  const lines: string[] = [];
  const loads = results.flatMap((r) => (r.loadAverage === undefined ? [] : [r.loadAverage]));
  if (loads.length) {
    lines.push(`1-min load average at run starts: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (on ${cpus().length} cores; anything well above the bench's own load means the figures are noisy)`);
  }
  const versions = new Set(results.flatMap((r) => (r.srcFingerprint ? [r.srcFingerprint] : [])));
  if (versions.size > 1) {
    lines.push(`WARNING: src/ changed during the bench (${versions.size} versions: ${[...versions].join(', ')}); the runs measured different code`);
  }
  return lines.join('\n');
}

export function formatTable(summary: readonly VariantSummary[]): string {
  const header = ['variant', 'runs', 'median s', 'rows/s', 'peak RSS MB', 'client CPU s', 'server CPU s', 'harness CPU s', 'max loop delay ms'];
  const rows = summary.map((s) => [
    s.variant,
    String(s.runs),
    s.wallSeconds.toFixed(2),
    Math.round(s.rowsPerSecond).toLocaleString('en-US'),
    s.peakRssMb.toFixed(0),
    s.clientCpuSeconds.toFixed(2),
    s.serverCpuSeconds.toFixed(2),
    s.harnessCpuSeconds.toFixed(2),
    s.maxLoopDelayMs === undefined ? '-' : s.maxLoopDelayMs.toFixed(0),
  ]);
  const ratioLines = Object.entries(ratios(summary)).map(
    ([name, r]) => `${name}: ${r.toFixed(2)}× the wall time (${r < 1 ? `${(1 / r).toFixed(2)}× faster` : `${r.toFixed(2)}× slower`})`,
  );
  return [renderTable(header, rows), '', ...ratioLines].join('\n');
}

/** Plain-text columns: the first left-aligned, the figures right-aligned. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The run's numbers, what produced them, and on what machine, as bench/results/<timestamp>.json. */
export async function writeResults(name: string, content: Record<string, unknown>): Promise<string> {
  await mkdir(BENCH_RESULTS, { recursive: true });
  const path = join(BENCH_RESULTS, `${new Date().toISOString().replace(/[:.]/g, '-')}${name ? `-${name}` : ''}.json`);
  await writeFile(path, `${JSON.stringify({ ...content, machine: await machine() }, null, 2)}\n`);
  return path;
}

export function datasetInfo(dataset: Dataset) {
  return { rows: dataset.rows, columns: dataset.columns, seed: dataset.seed, csvBytes: dataset.csvBytes, ...(dataset.typed ? { typed: true } : {}) };
}

async function machine() {
  const settings = await adminQuery<{ name: string; setting: string; unit: string | null }>(
    `select name, setting, unit from pg_settings where name = any($1)`,
    [['shared_buffers', 'max_wal_size', 'synchronous_commit', 'fsync', 'wal_level', 'full_page_writes']],
  ).catch(() => []);
  const [version] = await adminQuery<{ server_version: string }>('show server_version').catch(() => []);
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    postgres: version?.server_version,
    postgresSettings: Object.fromEntries(settings.map((s) => [s.name, s.unit ? `${s.setting} ${s.unit}` : s.setting])),
    commit: gitCommit(),
    srcFingerprint: await srcFingerprint(),
  };
}

function gitCommit(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} (src modified)` : head;
  } catch {
    return undefined;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
