import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stopAll } from '../../scripts/dev/service-processes.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// A parent (as a watcher) and a child (as the api under it) that both ignore SIGTERM.
const STUBBORN = `
  process.on('SIGTERM', () => {});
  const child = require('node:child_process').spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
  console.log(child.pid);
  setInterval(() => {}, 1000);
`;

describe('stopAll (npm run dev)', () => {
  it('kills a child that ignores SIGTERM after the grace period, and the processes below it', async () => {
    const parent = spawn(process.execPath, ['-e', STUBBORN], { stdio: ['ignore', 'pipe', 'inherit'] });
    const grandchild = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    expect(alive(grandchild)).toBe(true);

    const started = Date.now();
    await stopAll([parent], 300);

    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(parent.signalCode).toBe('SIGKILL');
    await expect.poll(() => alive(grandchild), { timeout: 2_000 }).toBe(false);
  });

  it('lets a child that stops on SIGTERM stop by itself', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    await stopAll([child], 5_000);
    expect(child.signalCode).toBe('SIGTERM');
  });
});
