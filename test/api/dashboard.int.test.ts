import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_DATA_ROUTES } from '../../src/api/dashboard.js';
import { QUEUE } from '../../src/shared/queues.js';
import { openImportQueue, type ImportQueueHandle } from '../helpers/import-queue.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const USERNAME = 'ops';
const PASSWORD = 'correct horse battery staple';
const CREDENTIALS = { BULL_BOARD_USERNAME: USERNAME, BULL_BOARD_PASSWORD: PASSWORD };
const BOARD = '/admin/queues';
const QUEUES_API = `${BOARD}/api/queues`;
const Q = `${BOARD}/api/queues/${QUEUE.importCsv}`;

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const AUTHORIZED = { authorization: basic(USERNAME, PASSWORD) };

function request(service: TestService, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${service.baseUrl}${path}`, { redirect: 'manual', ...init });
}

async function queuesListing(service: TestService, query = '') {
  const res = await request(service, `${QUEUES_API}?page=1&jobsPerPage=20${query}`, { headers: AUTHORIZED });
  expect(res.status).toBe(200);
  return (await res.json()) as { queues: { name: string; readOnlyMode: boolean; isPaused: boolean; counts: Record<string, number>; jobs: { id: string; failedReason?: string }[] }[] };
}

describe('the dashboard when credentials are configured', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ apiEnv: CREDENTIALS, inProcessWorker: false });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it.each([BOARD, `${BOARD}/`, QUEUES_API, `${Q}/some-job`, `${BOARD}/static/favicon-32x32.png`])(
    'answers %s without credentials with 401 and a basic-auth challenge',
    async (path) => {
      const res = await request(service, path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
      expect(await res.text()).not.toContain('__UI_CONFIG__');
    },
  );

  it('refuses a mutation without credentials before it reaches the queue', async () => {
    const res = await request(service, `${Q}/pause`, { method: 'PUT' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    const [queue] = (await queuesListing(service)).queues;
    expect(queue?.isPaused).toBe(false);
  });

  it.each([
    ['a wrong password', basic(USERNAME, `${PASSWORD}!`)],
    ['a wrong username', basic('admin', PASSWORD)],
    ['an empty password', basic(USERNAME, '')],
    ['the password alone', `Basic ${Buffer.from(PASSWORD).toString('base64')}`],
    ['another scheme', `Bearer ${PASSWORD}`],
  ])('answers 401 to %s', async (_label, authorization) => {
    for (const path of [BOARD, QUEUES_API]) {
      const res = await request(service, path, { headers: { authorization } });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate'), path).toMatch(/^Basic /);
    }
  });

  it('serves the board page to the right credentials', async () => {
    const res = await request(service, BOARD, { headers: AUTHORIZED });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>CSV imports</title>');
    expect(html).toContain('<base href="/admin/queues/" />');
  });

  it('lists the import queue through the board api to the right credentials', async () => {
    const { queues } = await queuesListing(service);
    expect(queues.map((q) => q.name)).toEqual([QUEUE.importCsv]);
    expect(queues[0]).toMatchObject({ readOnlyMode: false, isPaused: false });
  });

  it.each([BOARD, QUEUES_API, `${BOARD}/static/favicon-32x32.png`])('does not announce Express on %s, as the rest of the api does not', async (path) => {
    const res = await request(service, path, { headers: AUTHORIZED });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('lets the right credentials pause and resume the queue when the board is not read-only', async () => {
    const paused = await request(service, `${Q}/pause`, { method: 'PUT', headers: AUTHORIZED });
    expect(paused.status).toBe(200);
    expect((await queuesListing(service)).queues[0]?.isPaused).toBe(true);
    const resumed = await request(service, `${Q}/resume`, { method: 'PUT', headers: AUTHORIZED });
    expect(resumed.status).toBe(200);
    expect((await queuesListing(service)).queues[0]?.isPaused).toBe(false);
  });

  it('refuses a mutation another site makes the browser send, even with the right credentials', async () => {
    const crossSite: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }];
    for (const headers of crossSite) {
      const res = await request(service, `${Q}/pause`, { method: 'PUT', headers: { ...AUTHORIZED, ...headers } });
      expect(res.status).toBe(403);
    }
    expect((await queuesListing(service)).queues[0]?.isPaused).toBe(false);
    const own = await request(service, `${Q}/pause`, { method: 'PUT', headers: { ...AUTHORIZED, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);
    await request(service, `${Q}/resume`, { method: 'PUT', headers: AUTHORIZED });
  });

  it.each(['null', 'file://', 'not a url', ''])('refuses a mutation from the opaque origin %j with 403, not a server error', async (origin) => {
    const res = await request(service, `${Q}/pause`, { method: 'PUT', headers: { ...AUTHORIZED, origin } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'cross-site requests to the dashboard are refused' });
    expect((await queuesListing(service)).queues[0]?.isPaused).toBe(false);
  });
});

describe('the dashboard never writes job data, password or not (DESIGN §8)', () => {
  let service: TestService;
  let bull: ImportQueueHandle;
  let jobId: string;
  let key: string;
  const SAME_ORIGIN = { ...AUTHORIZED, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
  beforeAll(async () => {
    service = await startService({ apiEnv: CREDENTIALS });
    bull = openImportQueue(service);
    // Failed for want of its file: what an operator retries once the file is there.
    jobId = uniqueJobId('retry-me');
    key = `uploads/${jobId}.csv`;
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);
    await bull.waitForState(jobId, 'failed');
  });
  afterAll(async () => {
    await bull?.close();
    await service?.stop();
  });

  // A job of another user's file for this user's list: what adding or editing a job could forge.
  const forged = { request: importRequest('forged-job', 'uploads/someone-else/private.csv', { list: { name: 'mine', ownerId: 'attacker' } }) };

  it.each([`${Q}/add`, `${Q}/ADD`, `${Q}/add/`, `${BOARD}/api/queues/import%2Dcsv/add`, `${BOARD}/API/Queues/${QUEUE.importCsv}/Add`])(
    'refuses POST %s (add a job) with 403 and adds nothing',
    async (path) => {
      const before = await bull.queue.getJobCounts();
      const res = await request(service, path, { method: 'POST', headers: SAME_ORIGIN, body: JSON.stringify({ name: 'import-csv', data: forged }) });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'job data cannot be written through the dashboard' });
      expect(await bull.queue.getJobCounts()).toEqual(before);
      expect(await bull.queue.getJob('forged-job')).toBeUndefined();
    },
  );

  it.each([`${Q}/:jobId/update-data`, `${Q}/:jobId/UPDATE-DATA`, `${Q}/:jobId/update-data/`])(
    'refuses PATCH %s (replace a job\'s data) with 403 and leaves the data as the webhook wrote it',
    async (path) => {
      const res = await request(service, path.replace(':jobId', jobId), { method: 'PATCH', headers: SAME_ORIGIN, body: JSON.stringify({ jobData: forged }) });
      expect(res.status).toBe(403);
      expect((await bull.queue.getJob(jobId))?.data.request.source.key).toBe(key);
    },
  );

  it('still retries a failed job, which imports the file the webhook named', async () => {
    await service.s3.storage.put(key, 'name\nAda\n');
    const res = await request(service, `${Q}/${jobId}/retry`, { method: 'PUT', headers: SAME_ORIGIN });
    expect(res.status).toBe(204);
    await bull.waitForState(jobId, 'completed');
    const { rows } = await service.db.pool.query('select source_key, row_count from lists where job_id = $1', [jobId]);
    expect(rows).toEqual([{ source_key: key, row_count: 1 }]);
  });

  it('refuses exactly the routes of bull-board that write job data', async () => {
    const { appRoutes } = await import('@bull-board/api/dist/routes.js');
    const { addJobHandler } = await import('@bull-board/api/dist/handlers/addJob.js');
    const { updateJobDataHandler } = await import('@bull-board/api/dist/handlers/updateJobData.js');
    const writers = appRoutes.api
      .filter((r) => r.handler === addJobHandler || r.handler === updateJobDataHandler)
      .map((r) => [r.method, r.route]);
    expect(writers).toEqual(JOB_DATA_ROUTES.map(([method, path]) => [method, path]));
  });
});

describe('the dashboard when credentials are not configured', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ inProcessWorker: false });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it.each([BOARD, QUEUES_API, `${BOARD}/static/favicon-32x32.png`])('does not exist at %s (404)', async (path) => {
    const res = await request(service, path, { headers: AUTHORIZED });
    expect(res.status).toBe(404);
    expect(res.headers.get('www-authenticate')).toBeNull();
  });
});

describe('the dashboard in read-only mode', () => {
  let service: TestService;
  let bull: ImportQueueHandle;
  let failedJobId: string;
  let failedReason: string | undefined;
  beforeAll(async () => {
    service = await startService({ apiEnv: { ...CREDENTIALS, BULL_BOARD_READ_ONLY: 'true' } });
    bull = openImportQueue(service);
    const key = `uploads/${uniqueJobId('bad-json')}.csv`;
    await service.s3.storage.put(key, 'id,payload\n1,{not json}\n');
    failedJobId = uniqueJobId('read-only');
    const res = await service.deliver(importRequest(failedJobId, key, { columns: [{ name: 'payload', type: 'json' }] }));
    expect(res.status).toBe(202);
    await bull.waitForState(failedJobId, 'failed');
    failedReason = (await bull.queue.getJob(failedJobId))?.failedReason;
    expect(failedReason).toMatch(/^JSON_PARSE_ERROR: /);
  });
  afterAll(async () => {
    await bull?.close();
    await service?.stop();
  });

  // Paths from @bull-board/api dist/routes.js (9.10.1); `:jobId` is the failed job.
  const mutations: [string, string, unknown?][] = [
    ['PUT', `${Q}/:jobId/retry`],
    ['PUT', `${Q}/retry/failed`],
    ['PUT', `${Q}/:jobId/clean`],
    ['PUT', `${Q}/clean/failed`],
    ['PUT', `${Q}/empty`],
    ['PUT', `${Q}/obliterate`, {}],
    ['PUT', `${Q}/:jobId/promote`],
    ['PUT', `${Q}/promote`],
    ['PUT', `${Q}/pause`],
    ['PUT', `${QUEUES_API}/pause`],
    ['POST', `${Q}/add`, { name: 'import-csv', data: {} }],
    ['PATCH', `${Q}/:jobId/update-data`, { jobData: {} }],
    ['DELETE', `${Q}/:jobId`],
  ];

  const mutate = (method: string, path: string, body: unknown) =>
    request(service, path.replace(':jobId', failedJobId), {
      method,
      headers: { ...AUTHORIZED, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });

  it.each(mutations)('refuses %s %s with 403', async (method, path, body) => {
    const res = await mutate(method, path, body);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'the dashboard is read-only' });
  });

  it('leaves the failed job failed and the queue running after the refused requests', async () => {
    for (const [method, path, body] of mutations) {
      await mutate(method, path, body);
    }
    // A retry would be picked up by the worker at once; give it the chance to show.
    await new Promise((r) => setTimeout(r, 300));
    expect(await bull.state(failedJobId)).toBe('failed');
    const job = await bull.queue.getJob(failedJobId);
    expect(job).toMatchObject({ failedReason, attemptsMade: 1 });
    expect(await bull.queue.isPaused()).toBe(false);
    expect(await bull.queue.getJobCounts('failed', 'waiting', 'completed')).toEqual({ failed: 1, waiting: 0, completed: 0 });
  });

  it('still answers GETs: the page, the queue listing and the failed job', async () => {
    const page = await request(service, `${BOARD}/queue/${QUEUE.importCsv}?status=failed`, { headers: AUTHORIZED });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>CSV imports</title>');

    const { queues } = await queuesListing(service, `&activeQueue=${QUEUE.importCsv}&status=failed`);
    expect(queues[0]).toMatchObject({ name: QUEUE.importCsv, readOnlyMode: true, counts: expect.objectContaining({ failed: 1 }) });
    expect(queues[0]?.jobs).toEqual([expect.objectContaining({ id: failedJobId, failedReason })]);

    const one = await request(service, `${Q}/${failedJobId}`, { headers: AUTHORIZED });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ job: { id: failedJobId }, status: 'failed' });

    const head = await request(service, BOARD, { method: 'HEAD', headers: AUTHORIZED });
    expect(head.status).toBe(200);
  });
});

describe('the dashboard behind a proxy under a path prefix', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ apiEnv: { ...CREDENTIALS, PUBLIC_URL: 'https://host.example/csv-import' }, inProcessWorker: false });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('points the page and its assets at the public prefix, and the api serves those assets once the proxy strips it', async () => {
    const res = await request(service, BOARD, { headers: AUTHORIZED });
    expect(res.status).toBe(200);
    const html = await res.text();
    const base = /<base href="([^"]*)"/.exec(html)?.[1];
    expect(base).toBe('/csv-import/admin/queues/');

    const pageUrl = new URL(base!, 'https://host.example');
    const assets = [...html.matchAll(/(?:src|href)="([^"#]+\.(?:js|css|png|svg))"/g)].map((m) => new URL(m[1]!, pageUrl));
    const local = assets.filter((u) => u.host === 'host.example');
    expect(local.length).toBeGreaterThanOrEqual(3);
    for (const asset of local) {
      expect(asset.pathname.startsWith('/csv-import/admin/queues/static/'), asset.pathname).toBe(true);
      const served = await request(service, asset.pathname.replace(/^\/csv-import/, ''), { headers: AUTHORIZED });
      expect(served.status, asset.pathname).toBe(200);
    }
  });
});
