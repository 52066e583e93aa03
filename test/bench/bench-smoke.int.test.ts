import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type BenchOutcome } from '../../bench/bench.js';
import { formatTable, summarise } from '../../bench/report.js';

/**
 * The benchmark is not part of `npm test` (it takes minutes); this runs the same code on a tiny
 * file so it cannot rot: the real worker process through BullMQ, the reference child, and psql.
 */
describe('npm run bench, on a tiny file', () => {
  let dir: string;
  let outcome: BenchOutcome;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csv-import-bench-'));
    outcome = await runBench({ rows: 200, columns: 4, seed: 7, runs: 1, dir });
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs ours, the reference and the floor, each verified against the generated rows', () => {
    expect(outcome.results.map((r) => r.variant)).toEqual(['ours', 'reference', 'floor']);
    for (const r of outcome.results) {
      expect(r.rows, r.variant).toBe(200);
      expect(r.rowsCompared, r.variant).toBeGreaterThanOrEqual(3);
      expect(r.wallSeconds, r.variant).toBeGreaterThan(0);
      expect(r.peakRssMb, r.variant).toBeGreaterThan(0);
    }
  });

  it('measures the worker event loop and the server backends', () => {
    const ours = outcome.results.find((r) => r.variant === 'ours')!;
    expect(ours.loopDelay?.maxMs).toBeGreaterThan(0);
    expect(ours.serverBackends).toBeGreaterThanOrEqual(1);
  });

  it('summarises the runs into a table with the ratios', () => {
    const table = formatTable(summarise(outcome.results));
    expect(table).toMatch(/^ours\s/m);
    expect(table).toContain('ours/reference:');
    expect(table).toContain('ours/floor:');
  });
});

describe('npm run bench --types, on a tiny file', () => {
  let dir: string;
  let outcome: BenchOutcome;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csv-import-bench-typed-'));
    outcome = await runBench({ rows: 200, columns: 10, seed: 7, runs: 1, dir, typed: true, variants: ['ours', 'floor'] });
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('declares the number, date and email columns, and ours stores what the floor stores', () => {
    expect(outcome.dataset.columnDefs.filter((c) => c.type !== 'string' && c.type !== 'json')).toEqual([
      { name: 'E-mail', key: 'e_mail', type: 'email' },
      { name: 'Amount', key: 'amount', type: 'number' },
      { name: 'Created On', key: 'created_on', type: 'date' },
    ]);
    expect(outcome.results.map((r) => [r.variant, r.rows])).toEqual([['ours', 200], ['floor', 200]]);
    for (const r of outcome.results) expect(r.rowsCompared, r.variant).toBeGreaterThanOrEqual(3);
  });
});
