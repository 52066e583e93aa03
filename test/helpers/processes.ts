import type { ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';

/** Resolves once the child has logged a line matching `pattern` (workers log JSON lines). */
export function waitForLog(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; got:\n${buffer.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line) {
        cleanup();
        resolve(line);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`process exited (${code}) before logging ${pattern}; got:\n${buffer.slice(-2000)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Resolves with the exit code (null when a signal ended it) once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  // A child ended by a signal keeps exitCode null: without the signalCode check this would wait
  // for an 'exit' event that has already been emitted.
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export interface CapturedLogs {
  /** Every JSON log line so far, parsed (lines that are not JSON are skipped). */
  lines(): Array<Record<string, unknown>>;
  /** The lines whose `msg` matches. */
  find(msg: RegExp): Array<Record<string, unknown>>;
}

/** Keeps every line the child writes to stdout, from now on, for assertions after the fact. */
export function captureLogs(child: ChildProcess): CapturedLogs {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const lines = () =>
    text.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return { lines, find: (msg) => lines().filter((l) => typeof l.msg === 'string' && msg.test(l.msg)) };
}

/**
 * Tracks the child processes a test file starts and SIGKILLs those still running after each
 * test: one that fails half-way must not leave a worker behind to take the next test's job.
 * Returns the function that tracks a child (and hands it back).
 */
export function killAfterEach(): (child: ChildProcess) => ChildProcess {
  const spawned: ChildProcess[] = [];
  afterEach(async () => {
    const running = spawned.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(running.map(exited));
  });
  return (child) => {
    spawned.push(child);
    return child;
  };
}

export interface StartedWorker {
  child: ChildProcess;
  logs: CapturedLogs;
}

/** Starts `count` worker processes one after another, each logging "worker started" before the next. */
export async function startWorkers(spawn: () => ChildProcess, count: number): Promise<StartedWorker[]> {
  const started: StartedWorker[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn();
    started.push({ child, logs: captureLogs(child) });
    await waitForLog(child, /"worker started"/);
  }
  return started;
}
