import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';

/** After the last change of a burst (an editor saving several files), before the restart. */
const SETTLE_MS = 200;

/**
 * Runs an entry of this service and restarts it when a file under `watchDir` changes, its log
 * lines passed on to this process's stdout (`waitForLine` resolves on the first that matches).
 * The watching is done here rather than by `node --watch` or `tsx watch`: a watcher process in
 * between restarts its child when a file changes during Ctrl-C and then exits, leaving the new
 * child running with nobody to stop it (and tsx watch SIGKILLs on a second SIGTERM, which would
 * stall a running import instead of rolling it back).
 */
export function startWatched(entry: string, env: Record<string, string | undefined>, watchDir: string, graceMs: number) {
  const waiters = new Set<{ pattern: RegExp; resolve: () => void }>();
  let child = start();
  let stopping = false;
  let restarting: Promise<void> | undefined;
  let settle: NodeJS.Timeout | undefined;
  const watcher = watch(watchDir, { recursive: true }, () => {
    clearTimeout(settle);
    settle = setTimeout(() => void restart(), SETTLE_MS);
  });

  function start(): ChildProcess {
    const started = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let partial = '';
    started.stdout!.on('data', (chunk: Buffer) => {
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
    return started;
  }

  async function restart(): Promise<void> {
    if (stopping) return;
    if (restarting) {
      // A change while restarting: one more restart once this one is done.
      await restarting;
      return restart();
    }
    process.stdout.write(`restarting ${entry}: a source file changed\n`);
    restarting = stopAll([child], graceMs).then(() => {
      if (!stopping) child = start();
      restarting = undefined;
    });
    await restarting;
  }

  return {
    pid: () => child.pid,
    waitForLine: (pattern: RegExp) => new Promise<void>((resolve) => waiters.add({ pattern, resolve })),
    async stop(): Promise<void> {
      stopping = true;
      watcher.close();
      clearTimeout(settle);
      await restarting;
      await stopAll([child], graceMs);
    },
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

/**
 * Stops every child: SIGTERM, then, for any still running after `graceMs` (the worker gives a
 * running import 3 s), SIGKILL to it and to every process below it: a watcher killed alone
 * would leave the api or the worker it runs behind, holding its port.
 */
export async function stopAll(children: ChildProcess[], graceMs: number): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
  for (const child of running) child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const child of running) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      for (const pid of [...descendantsOf(child.pid), child.pid]) killQuietly(pid);
    }
  }, graceMs);
  await Promise.all(exited);
  clearTimeout(timer);
}

/** Every process below `pid`, from `ps` (Linux and macOS; none found where there is no `ps`). */
function descendantsOf(pid: number): number[] {
  let table = '';
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const parents = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child && parent) parents.set(parent, [...(parents.get(parent) ?? []), child]);
  }
  const below: number[] = [];
  for (let queue = [pid]; queue.length; ) {
    const children = parents.get(queue.shift()!) ?? [];
    below.push(...children);
    queue.push(...children);
  }
  return below;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone between ps and now.
  }
}
