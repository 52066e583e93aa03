import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { createImportClient, type ImportClient } from '../../packages/client/src/index.js';
import { adminQuery } from './test-db.js';
import { TEST_REDIS_URL, databaseUrl } from './env.js';
import { waitForLog } from './processes.js';

export interface DevStack {
  /** `.dev/app.env` as `npm run dev` wrote it, and where (a temporary file). */
  appEnv: Record<string, string>;
  appEnvFile: string;
  /** The `ready` line. */
  ready: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM to its process group; resolves with the ms until no process of the group is left. */
  stop(): Promise<number>;
  /** The processes still running 15 s after the SIGTERM (`ps` lines), when any were. */
  leftovers(): string;
}

/**
 * `npm run dev` as a developer starts it, in a process group of its own, against a database it
 * has to create (dropped on stop) and with queue and status keys no other test uses. Its settings
 * file goes to a temporary folder, not to the clone's .dev/. `extraEnv` stands for a .env.
 */
export async function startDevStack(extraEnv: Record<string, string> = {}): Promise<DevStack> {
  const suffix = randomBytes(4).toString('hex');
  const database = `csv_import_dev_test_${suffix}`;
  const appEnvFile = join(await mkdtemp(join(tmpdir(), 'csv-import-dev-')), 'app.env');
  const child = spawn('npm', ['run', 'dev'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl(database),
      REDIS_URL: TEST_REDIS_URL,
      DEV_PORT: '0',
      DEV_APP_ENV_FILE: appEnvFile,
      QUEUE_PREFIX: `{csv-import-dev-${suffix}}`,
      STATUS_KEY_PREFIX: `csv-import-dev-${suffix}:job:`,
      ...extraEnv,
    },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const group = child.pid!;
  const alive = () => {
    try {
      process.kill(-group, 0);
      return true;
    } catch {
      return false;
    }
  };
  let stopped: Promise<number> | undefined;
  let leftovers = '';
  const stop = () =>
    (stopped ??= (async () => {
      const started = Date.now();
      if (alive()) process.kill(-group, 'SIGTERM');
      while (alive() && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 50));
      const took = Date.now() - started;
      if (alive()) {
        leftovers = execFileSync('ps', ['-o', 'pid,args', '-g', String(group)], { encoding: 'utf8' });
        process.kill(-group, 'SIGKILL');
      }
      await adminQuery(`drop database if exists ${database} with (force)`);
      return took;
    })());
  try {
    const ready = await waitForLog(child, /^ready/m, 60_000);
    return { appEnv: parseEnv(await readFile(appEnvFile, 'utf8')) as Record<string, string>, appEnvFile, ready, output: () => output, stop, leftovers: () => leftovers };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nnpm run dev printed:\n${output.slice(-4000)}`);
  }
}

/** The client as an app configured from `.dev/app.env` makes it. */
export function importClientFor(appEnv: Record<string, string>): ImportClient {
  return createImportClient({
    qstashToken: appEnv.QSTASH_TOKEN!,
    qstashUrl: appEnv.QSTASH_URL,
    workerUrl: appEnv.CSV_IMPORT_WORKER_URL!,
    upstash: { url: appEnv.UPSTASH_REDIS_REST_URL!, token: appEnv.UPSTASH_REDIS_REST_TOKEN! },
    statusKeyPrefix: appEnv.CSV_IMPORT_STATUS_KEY_PREFIX,
  });
}
