import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';

export interface RunningStandIn {
  url: string;
  stop(): Promise<void>;
}

/** The `--name value` options an entry file was started with; each one is required. */
export function standInArgs<N extends string>(...names: N[]): Record<N, string> {
  const { values } = parseArgs({ options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])) });
  const missing = names.filter((n) => values[n] === undefined);
  if (missing.length) throw new Error(`missing ${missing.map((n) => `--${n}`).join(', ')}`);
  return values as Record<N, string>;
}

/**
 * The side of an entry file: starts the stand-in, announces its URL in one JSON line on stdout,
 * and stops it on SIGINT or SIGTERM. It also stops when its parent goes (stdin closes), so a
 * `npm run dev` killed without a chance to clean up leaves no stand-in behind.
 */
export async function serveStandIn(start: () => Promise<RunningStandIn>): Promise<void> {
  const standIn = await start();
  process.stdout.write(`${JSON.stringify({ url: standIn.url })}\n`);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    // What a stand-in holds is in memory and lost anyway: a connection that will not close must
    // not keep it alive past npm run dev's 10 s.
    setTimeout(() => process.exit(0), 3_000).unref();
    stopping ??= standIn.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdin.once('close', stop).resume();
}

/** The side of `npm run dev`: runs an entry file in its own process and waits until it listens. */
export function startStandIn(
  entry: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{"url"'));
      if (!line) return;
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve(child);
    };
    const onExit = (code: number | null) => reject(new Error(`${entry} exited (${code}) before it listened${output ? `: ${output.trim()}` : ''}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
