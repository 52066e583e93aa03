import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { useEngineFixture } from '../../helpers/engine-fixture.js';
import { removeMadeFiles, zipOf } from '../../helpers/made-files.js';
import { TEST_LIMITS, importError, importFile, importJob } from '../../helpers/run-import.js';

/** MAX_INFLATED_BYTES and the ratio guard (DESIGN §5.6): what a compressed file inflates to is bounded, soon. */

const MiB = 1024 * 1024;

/**
 * A gzip bomb made of text, so that only its size can stop it: a header, then members of 64 MiB
 * of "1,2" rows each (gzip readers read concatenated members as one stream), about 1,000:1.
 */
function textBomb(inflatedMiB: number): Buffer {
  const member = gzipSync(Buffer.alloc(64 * MiB, '1,2\n'), { level: 9 });
  return Buffer.concat([gzipSync('a,b\n'), ...Array.from({ length: Math.ceil(inflatedMiB / 64) }, () => member)]);
}

describe('a compressed file past the inflated limit', () => {
  const fixture = useEngineFixture();
  afterAll(removeMadeFiles);

  it('fails a gzip bomb as FILE_TOO_LARGE by its ratio, long before it has inflated past the limit', async () => {
    const bomb = textBomb(2.5 * 1024);
    expect(bomb.length).toBeLessThan(4 * MiB);
    const job = importJob({ invalidRows: 'skip' });
    const path = fixture.temp.write(bomb, 'bomb.csv.gz');
    const started = process.cpuUsage();
    const err = await importError(importFile(fixture.db, path, job));
    const used = process.cpuUsage(started);
    // CPU, not wall time: eight test suites share this machine's two cores.
    const cpuSeconds = (used.user + used.system) / 1e6;
    expect(err).toMatchObject({ code: 'FILE_TOO_LARGE', retryable: false });
    expect(err.message).toMatch(/^"[^"]+bomb\.csv\.gz": the compressed file would inflate to about 2\.\d GiB \(its first [\d.]+ (bytes|KiB) inflated to [\d.]+ MiB\); the limit is 2 GiB$/);
    // Parsing 2 GiB of `1,2` rows costs about 15 minutes of CPU; the ratio guard stops after 1 MiB.
    expect(cpuSeconds).toBeLessThan(5);
    const { rows } = await fixture.db.pool.query('select 1 from lists where job_id = $1', [job.jobId]);
    expect(rows).toEqual([]);
  }, 60_000);

  it('fails a gzip file that inflates past MAX_INFLATED_BYTES at the limit, whatever its ratio', async () => {
    const csv = `id,name\n${Array.from({ length: 120_000 }, (_, i) => `${i},name ${i}`).join('\n')}\n`;
    const path = fixture.temp.write(gzipSync(csv), 'big.csv.gz');
    // Below the MiB the ratio guard waits for, so only the limit itself can stop it.
    const limits = { ...TEST_LIMITS, MAX_INFLATED_BYTES: MiB / 2 };
    const err = await importError(importFile(fixture.db, path, importJob(), { limits }));
    expect(err).toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringContaining('big.csv.gz": the compressed file inflates to more than the limit of 512 KiB') });
    const ok = await importFile(fixture.db, path, importJob(), { limits: { ...limits, MAX_INFLATED_BYTES: 2 * MiB } });
    expect(ok).toMatchObject({ rows: 120_000, compression: 'gzip' });
  });

  it('fails a gzip stream damaged in its middle as CSV_MALFORMED, and commits none of the rows before the damage', async () => {
    const gz = gzipSync(`id,name\n${Array.from({ length: 50_000 }, (_, i) => `${i},name ${i}`).join('\n')}\n`);
    const damaged = Buffer.from(gz);
    damaged.fill(0xff, Math.floor(gz.length / 2), Math.floor(gz.length / 2) + 64);
    const job = importJob({ invalidRows: 'skip' });
    const err = await importError(importFile(fixture.db, fixture.temp.write(damaged, 'damaged.csv.gz'), job));
    expect(err).toMatchObject({ code: 'CSV_MALFORMED', message: expect.stringMatching(/damaged\.csv\.gz": the gzip file is damaged \(.+\)\. Upload it again, or the CSV file itself\.$/) });
    const { rows } = await fixture.db.pool.query('select 1 from lists where job_id = $1', [job.jobId]);
    expect(rows).toEqual([]);
  });

  it('refuses a zip whose text file inflates past MAX_INFLATED_BYTES before reading any of it', async () => {
    const path = fixture.temp.write(zipOf({ 'data.csv': `a,b\n${'1,2\n'.repeat(600_000)}` }), 'big.zip');
    const err = await importError(importFile(fixture.db, path, importJob(), { limits: { ...TEST_LIMITS, MAX_INFLATED_BYTES: MiB } }));
    expect(err).toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringContaining('big.zip": "data.csv" in this zip archive inflates to more than the limit of 1 MiB') });
  });
});
