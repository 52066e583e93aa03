import { spawn, type ChildProcess } from 'node:child_process';

export function startWatched(entry: string, env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--watch', '--import', 'tsx', entry], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const waiters = new Set<{ pattern: RegExp; resolve: () => void }>();
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const waiter of waiters) {
      if (lines.some((l) => waiter.pattern.test(l))) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  });
  return {
    child,
    waitForLine: (pattern: RegExp) => new Promise<void>((resolve) => waiters.add({ pattern, resolve })),
  };
}

/** Resolves once `url` answers 200, asking every 250 ms; rejects after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
}

/** Stops every child: SIGTERM, then SIGKILL for any still running after `graceMs` (the worker gives a running import 3 s). */
export async function stopAll(children: ChildProcess[], graceMs: number): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
  for (const child of running) child.kill('SIGTERM');
  const timer = setTimeout(() => running.forEach((c) => c.kill('SIGKILL')), graceMs);
  await Promise.all(exited);
  clearTimeout(timer);
}
