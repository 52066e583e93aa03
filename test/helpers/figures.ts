import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const RESULTS_DIR = new URL('../reliability/.results/', import.meta.url);

/**
 * Records what a reliability test measured, for docs/RELIABILITY.md: one JSON file per test
 * file in test/reliability/.results/ (git-ignored), one entry per test. Also printed.
 */
export function recordFigures(file: string, test: string, figures: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const url = new URL(`${file}.json`, RESULTS_DIR);
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
  } catch {
    // First entry of this run.
  }
  all[test] = { ...figures, recordedAt: new Date().toISOString() };
  writeFileSync(url, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`[reliability] ${file} / ${test}: ${JSON.stringify(figures)}`);
}
