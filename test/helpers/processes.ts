import type { ChildProcess } from 'node:child_process';

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
