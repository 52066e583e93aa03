import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The team's shared corpus folder, `../shared/corpus/` from the repo root (DESIGN §11): the
 * third-party files are read from there and never copied into this repository, which keeps only
 * its expectations for them.
 */
export const SHARED_CORPUS_DIR = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));

const inCi = () => !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/** Why the suites cannot run, or undefined when every one of them is in the shared folder. */
export function missingCorpus(suites: readonly string[]): string | undefined {
  const missing = suites.filter((suite) => !existsSync(join(SHARED_CORPUS_DIR, suite)));
  if (missing.length === 0) return undefined;
  return (
    `the shared test corpus is not there: no ${missing.join(', ')} in ${SHARED_CORPUS_DIR}. ` +
    'It comes with the team\'s shared folder (the one holding DESIGN.md), which must sit beside ' +
    'this clone so that ../shared/corpus/ from the repo root holds ' +
    `${suites.join(', ')}; it is never copied into the repo (README, "Quick start").`
  );
}

/**
 * A describe block over suites of the shared corpus (folders of it, such as `duckdb`); `body`
 * gets the corpus folder. When a suite is missing, CI (`CI=true`; any value but 0 or false) gets one failing test saying
 * where the corpus comes from; anywhere else the block logs the same words and stands aside,
 * and `body` is not even called, so it may list the corpus's files while collecting tests.
 */
export function describeSharedCorpus(title: string, suites: readonly string[], body: (corpusDir: string) => void): void {
  const missing = missingCorpus(suites);
  const standAside = missing !== undefined && !inCi();
  if (standAside) console.warn(`skipping "${title}": ${missing}`);
  describe.skipIf(standAside)(title, () => {
    it(`finds ${suites.join(', ')} in the shared corpus folder`, () => {
      expect(missing, missing).toBeUndefined();
    });
    if (!missing) body(SHARED_CORPUS_DIR);
  });
}
