/**
 * `npm run dev`: the api and one worker, each restarted when a source file changes, with the
 * settings from .env (copy .env.example). Pipe through pino-pretty for readable logs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('.env')) {
  process.stderr.write('npm run dev reads its settings from .env: copy .env.example to .env and edit it\n');
  process.exit(1);
}
const children = ['src/api/main.ts', 'src/worker/main.ts'].map((entry) =>
  spawn(process.execPath, ['--env-file=.env', '--import', 'tsx', '--watch', entry], { stdio: 'inherit' }),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => children.forEach((c) => c.kill(signal)));
}
