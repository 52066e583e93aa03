import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QSTASH_CANCEL_PATH } from '../../src/api/routes/qstash-cancel.js';
import { QSTASH_IMPORT_PATH } from '../../src/api/routes/qstash-import.js';
import { spawnApi, type ApiProcess } from '../helpers/api-process.js';
import { exited, waitForLog } from '../helpers/processes.js';
import { signQstash } from '../helpers/sign-qstash.js';
import { CURRENT_KEY, importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const API_ENTRY = new URL('../../src/api/main.ts', import.meta.url).pathname;
const PUBLIC_URL = 'https://imports.example.test';

let service: TestService;
beforeAll(async () => {
  service = await startService({ inProcessWorker: false });
});
afterAll(async () => {
  await service?.stop();
});

describe('the api in production (NODE_ENV=production)', () => {
  it('refuses to start without PUBLIC_URL, saying so', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...service.env, NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: '0' };
    delete env.PUBLIC_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', API_ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const listening = await waitForLog(child, /"api listening"/, 30_000).then(
      () => true,
      () => false,
    );
    if (listening) child.kill('SIGKILL');
    expect(listening).toBe(false);
    expect(await exited(child)).toBe(1);
    expect(stderr).toMatch(/invalid configuration:\n\s+- PUBLIC_URL: required when NODE_ENV=production/);
  });

  describe('with PUBLIC_URL', () => {
    let api: ApiProcess;
    beforeAll(async () => {
      api = await spawnApi({ ...service.env, NODE_ENV: 'production', PUBLIC_URL });
    });
    afterAll(async () => {
      api?.child.kill('SIGKILL');
      if (api) await exited(api.child);
    });

    const deliver = (body: string, signedUrl: string) =>
      fetch(`${api.baseUrl}${QSTASH_IMPORT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: CURRENT_KEY, url: signedUrl, body }) },
        body,
      });

    it('answers 401 to a token the same QStash account signed for another URL', async () => {
      const body = JSON.stringify(importRequest(uniqueJobId('other-url'), 'uploads/a.csv'));
      for (const url of ['https://other-app.example.test/qstash/import', `${PUBLIC_URL}/qstash/cancel`, `${api.baseUrl}${QSTASH_IMPORT_PATH}`]) {
        const res = await deliver(body, url);
        expect(res.status, url).toBe(401);
      }
    });

    it('checks a cancel against its own URL under PUBLIC_URL', async () => {
      const body = JSON.stringify({ jobId: uniqueJobId('cancel-url') });
      const cancel = (signedUrl: string) =>
        fetch(`${api.baseUrl}${QSTASH_CANCEL_PATH}`, {
          method: 'POST',
          headers: { 'upstash-signature': signQstash({ key: CURRENT_KEY, url: signedUrl, body }) },
          body,
        });
      expect((await cancel(`${PUBLIC_URL}${QSTASH_IMPORT_PATH}`)).status).toBe(401);
      expect((await cancel(`${PUBLIC_URL}${QSTASH_CANCEL_PATH}`)).status).toBe(404);
    });

    it('accepts the same body signed for PUBLIC_URL', async () => {
      const body = JSON.stringify(importRequest(uniqueJobId('own-url'), 'uploads/a.csv'));
      const res = await deliver(body, `${PUBLIC_URL}${QSTASH_IMPORT_PATH}`);
      expect(res.status).toBe(202);
    });
  });
});
