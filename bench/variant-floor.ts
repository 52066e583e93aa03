import { join } from 'node:path';
import { failOnExit, spawnChild } from './child.js';
import { adminQueryOn } from './database.js';
import { FLOOR_LIST_ID } from './generate-csv.js';
import { REPO_ROOT, childEnv } from './env.js';
import { measure, resultOf } from './measure.js';
import type { RunContext, VariantResult } from './variants.js';
import { verifyList } from './verify.js';

/**
 * The floor: the same rows already rendered as COPY text (no parsing, no JSON building in the
 * client), loaded by `psql \copy` into the same table with the same primary key. psql reads its
 * commands from a pipe so it can say when the COPY is done while it (and its backend) are still
 * alive to be measured; connecting is not timed.
 */
export async function runFloor(ctx: RunContext): Promise<Omit<VariantResult, 'run'>> {
  const copyPath = ctx.dataset.copyPath;
  if (!copyPath) throw new Error('floor: the dataset has no COPY file');
  const jobId = `bench-floor-${ctx.runId}`;
  // The rows' foreign key needs their list; the COPY file carries this list's fixed id.
  await adminQueryOn(ctx.db.url, 'insert into lists (id, job_id, name, source_key) values ($1, $2, $3, $4)', [
    FLOOR_LIST_ID, jobId, 'bench floor', ctx.key,
  ]);
  const psql = spawnChild('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ctx.db.url], {
    env: childEnv({}),
    cwd: REPO_ROOT,
    logPath: join(ctx.logDir, `${ctx.runId}-floor.log`),
  });
  try {
    psql.process.stdin!.write('\\echo BENCH_READY\n');
    await psql.waitForLine((line) => line === 'BENCH_READY', 30_000);
    const m = await measure(psql.pid, ctx.db.name, async () => {
      psql.process.stdin!.write(`\\copy list_rows (list_id, row_number, data) from '${copyPath.replaceAll("'", "''")}'\n\\echo BENCH_COPY_DONE\n`);
      await Promise.race([psql.waitForLine((line) => line === 'BENCH_COPY_DONE', 60 * 60_000), failOnExit(psql, 'psql')]);
    });
    psql.process.stdin!.end();
    const { code } = await psql.exited;
    if (code !== 0) throw new Error(`psql exited with ${code}\n${psql.tail()}`);
    return resultOf('floor', m, await verifyList(ctx.db.url, jobId, ctx.dataset, { rowsOnly: true }));
  } finally {
    await psql.stop(5_000);
  }
}
