import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatched } from '../../scripts/dev/service-processes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-import-watched-'));
  await writeFile(join(dir, 'main.mjs'), "console.log('started'); setInterval(() => {}, 1000);\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const alive = (pid: number | undefined) => {
  try {
    return pid !== undefined && process.kill(pid, 0);
  } catch {
    return false;
  }
};

describe('a service npm run dev watches', () => {
  it('is restarted when a file under its folder changes, and stopped for good by stop(), a late change notwithstanding', async () => {
    const service = startWatched(join(dir, 'main.mjs'), { PATH: process.env.PATH }, dir, 5_000);
    await service.waitForLine(/^started$/);
    const first = service.pid();

    const restarted = service.waitForLine(/^started$/);
    await writeFile(join(dir, 'helper.mjs'), 'export const changed = 1;\n');
    await restarted;
    const second = service.pid();
    expect(second).not.toBe(first);
    expect(alive(first)).toBe(false);

    const stopped = service.stop();
    await writeFile(join(dir, 'helper.mjs'), 'export const changed = 2;\n');
    await stopped;
    await new Promise((r) => setTimeout(r, 500));
    expect(service.pid()).toBe(second);
    expect(alive(second)).toBe(false);
  });
});
