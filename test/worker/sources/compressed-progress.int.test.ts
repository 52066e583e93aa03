import { afterAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../../src/shared/contract.js';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { gzipZlib, removeMadeFiles, zipOf } from '../../helpers/made-files.js';
import { importFile, importJob } from '../../helpers/run-import.js';

/**
 * Progress counts the stored object's bytes (DESIGN §3) as the rows are read: a zip is spooled
 * whole before its entry is read, so its percent follows the entry's text instead of the
 * download, which would say 100% before the first row.
 */

const CSV = `id,name\n${Array.from({ length: 200_000 }, (_, i) => `${i + 1},name ${i + 1}`).join('\n')}\n`;

describe('progress of a compressed CSV', () => {
  const fixture = useEngineFixture();
  afterAll(removeMadeFiles);

  it.each([
    ['zip', () => zipOf({ 'data.csv': CSV }), 'data.zip'],
    ['gzip', () => gzipZlib(CSV), 'data.csv.gz'],
  ])('rises with the rows read from a %s and ends at every stored byte', async (_, make, name) => {
    const bytes = make();
    const seen: Progress[] = [];
    const result = await importFile(fixture.db, fixture.temp.write(bytes, name), importJob(), { progressEvery: 10_000, onProgress: (p) => seen.push(p) });
    expect(result.rows).toBe(200_000);
    expect(seen[0]!.rows).toBe(10_000);
    expect(seen[0]!.percent).toBeLessThan(50);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes).toBeGreaterThanOrEqual(seen[i - 1]!.bytes);
    expect(seen.at(-1)).toEqual({ rows: 200_000, bytes: bytes.length, totalBytes: bytes.length, percent: 100 });
  });
});
