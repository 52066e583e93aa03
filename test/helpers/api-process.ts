import { spawn, type ChildProcess } from 'node:child_process';
import { exited, waitForLog } from './processes.js';
import { CURRENT_KEY } from './service.js';
import { signQstash } from './sign-qstash.js';

const API_ENTRY = new URL('../../src/api/main.ts', import.meta.url).pathname;

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
}

/**
 * The api as production runs it (its own process, its main.ts), on a port the OS picks;
 * `preload` is a module loaded before it (test/helpers/skewed-clock.ts, say).
 */
export async function spawnApi(env: Record<string, string>, preload?: string): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(preload ? ['--import', preload] : []), API_ENTRY], {
    // Info at least: the port is read from the "api listening" line.
    env: { ...process.env, ...env, LOG_LEVEL: 'info', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.resume();
  try {
    const line = await waitForLog(child, /"api listening"/, 60_000);
    const port = Number((JSON.parse(line) as { port: unknown }).port);
    return { child, port, baseUrl: `http://127.0.0.1:${port}` };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** POSTs `payload` as JSON to the api at `path`, signed as QStash signs a delivery. */
export function postSigned(api: ApiProcess, path: string, payload: unknown): Promise<Response> {
  const body = JSON.stringify(payload);
  const url = `${api.baseUrl}${path}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: CURRENT_KEY, url, body }) },
    body,
  });
}

/** Kills the api process (if it started) and waits until it has exited. */
export async function stopApi(api: ApiProcess | undefined): Promise<void> {
  if (!api) return;
  api.child.kill('SIGKILL');
  await exited(api.child);
}
