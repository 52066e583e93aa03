import { join } from 'node:path';
import { failOnExit, spawnChild } from './child.js';
import { REPO_ROOT, childEnv } from './env.js';
import { measure, resultOf } from './measure.js';
import type { ReferenceMessage, ReferenceReply } from './reference-import.js';
import type { RunContext, VariantResult } from './variants.js';
import { verifyList } from './verify.js';

/**
 * The reference design in a child process of its own (bench/reference-import.ts), so its RSS and
 * CPU are read from /proc exactly as the worker's are. Timed from `go` to `done`; start-up is not
 * counted, as the worker's is not.
 */
export async function runReference(ctx: RunContext): Promise<Omit<VariantResult, 'run'>> {
  const jobId = `bench-reference-${ctx.runId}`;
  const child = spawnChild(process.execPath, ['--import', 'tsx', 'bench/reference-import.ts'], {
    env: childEnv({}),
    cwd: REPO_ROOT,
    logPath: join(ctx.logDir, `${ctx.runId}-reference.log`),
    ipc: true,
  });
  const replies: ReferenceReply[] = [];
  const waiters: (() => void)[] = [];
  child.process.on('message', (reply: ReferenceReply) => {
    replies.push(reply);
    waiters.splice(0).forEach((wake) => wake());
  });
  const next = async (): Promise<ReferenceReply> => {
    while (!replies.length) {
      await Promise.race([new Promise<void>((r) => waiters.push(r)), failOnExit(child, 'the reference import')]);
    }
    return replies.shift()!;
  };
  const send = (message: ReferenceMessage) => child.process.send(message);
  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error(`reference: expected ready, got ${JSON.stringify(ready)}`);
    const m = await measure(child.pid, ctx.db.name, async () => {
      send({ type: 'go', endpoint: ctx.s3.endpoint, bucket: ctx.s3.bucket, key: ctx.key, databaseUrl: ctx.db.url, jobId });
      const reply = await next();
      if (reply.type === 'error') throw new Error(`reference import failed: ${reply.message}`);
    });
    send({ type: 'exit' });
    // It should leave on its own at once; `finally` kills it if it has not within 5 s.
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
    return resultOf('reference', m, await verifyList(ctx.db.url, jobId, ctx.dataset));
  } finally {
    await child.stop(5_000);
  }
}
