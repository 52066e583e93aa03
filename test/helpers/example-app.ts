import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/dev/free-port.js';
import { exited, waitForLog } from './processes.js';

const APP_DIR = fileURLToPath(new URL('../../examples/app/', import.meta.url));

export interface ExampleApp {
  url: string;
  stop(): Promise<void>;
}

/**
 * examples/app as its `npm start` runs it (tsx with the settings file npm run dev wrote), on a
 * free port: its callback URL names the port, so it must be known before it starts.
 */
export async function startExampleApp(appEnvFile: string): Promise<ExampleApp> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', `--env-file=${appEnvFile}`, 'src/main.ts'], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH, APP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForLog(child, /example app listening/, 30_000);
  return {
    url: `http://localhost:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
