import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from './processes.js';
import { listen } from './listen.js';

export interface RedisServerOptions {
  /**
   * Keep data across restarts with an append-only file fsynced on every write (the default): a
   * job the api accepted (202) survives a crash. Without it a restart starts empty.
   */
  persistent?: boolean;
}

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server: SIGKILL (a crash, the default) or SIGTERM (a clean shutdown). */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port, with the same data directory. */
  start(): Promise<void>;
  /** Stops it for good and removes its data directory. */
  remove(): Promise<void>;
}

/** A redis-server of the test's own on a spare port, run in the foreground as a child process. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'csv-import-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--save', '', '--dir', dir,
    // What BullMQ needs (job locks are expiring keys); PROTOCOLS.md.
    '--maxmemory-policy', 'noeviction',
    ...(options.persistent === false ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always']),
  ];
  let child: ChildProcess | undefined;

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child) return;
      const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.once('exit', () => {
        if (child === started) child = undefined;
      });
      await waitForReady(started);
    },
    async stop(signal = 'SIGKILL') {
      const running = child;
      if (!running) return;
      running.kill(signal);
      await exited(running);
    },
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await listen(probe);
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function waitForReady(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => done(new Error(`redis-server not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) done();
    };
    const onExit = (code: number | null) => done(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining its output so a full pipe never blocks the server.
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve();
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}
