import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

const TAIL_LINES = 40;

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Settles when the process has exited; never rejects. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first output line (stdout or stderr) that matches; rejects if the process exits first. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** The last lines of output, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs` if it is still there. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Every output line is appended here, so a failed run can be read afterwards. */
  logPath: string;
  ipc?: boolean;
}

export function spawnChild(command: string, args: string[], options: SpawnOptions): Child {
  const stdio: StdioOptions = options.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'];
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const log = createWriteStream(options.logPath, { flags: 'a' });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const onLine = (line: string) => {
    log.write(`${line}\n`);
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    for (const listener of listeners) listener(line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  void exited.then(() => setTimeout(() => log.end(), 100));
  const tail = () => lines.join('\n');

  return {
    process: child,
    pid: child.pid,
    exited,
    tail,
    waitForLine(match, timeoutMs) {
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for output from ${command}\n${tail()}`)), timeoutMs);
        const listener = (line: string) => {
          if (match(line)) finish(undefined, line);
        };
        const finish = (err?: Error, line?: string) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (err) reject(err);
          else resolve(line!);
        };
        listeners.add(listener);
        void exited.then(({ code, signal }) => finish(new Error(`${command} exited (${code ?? signal}) before the expected output\n${tail()}`)));
      });
    },
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Rejects as soon as the child exits: raced against work that only the child can finish. */
export function failOnExit(child: Child, what: string): Promise<never> {
  return child.exited.then(({ code, signal }) => {
    throw new Error(`${what} exited (${code ?? signal}) before finishing\n${child.tail()}`);
  });
}
