import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE } from '../../src/shared/queues.js';
import { openImportQueue, type ImportQueueHandle } from '../helpers/import-queue.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const CREDENTIALS = { BULL_BOARD_USERNAME: 'ops', BULL_BOARD_PASSWORD: 'presentation-secret' };
const AUTHORIZED = { authorization: `Basic ${Buffer.from('ops:presentation-secret').toString('base64')}` };
const BAD_JSON = 'id,payload\n1,{not json}\n';

interface BoardJob {
  id: string;
  name: string;
  progress: unknown;
  failedReason?: string;
  stacktrace: string[];
}

/** A service with the dashboard on, one import that succeeds and one that fails. */
async function boardWithJobs(apiEnv: Record<string, string>) {
  const service = await startService({ apiEnv: { ...CREDENTIALS, ...apiEnv } });
  const bull = openImportQueue(service);
  const put = async (label: string, csv: string, extra: Parameters<typeof importRequest>[2] = {}, fileName?: string) => {
    const jobId = uniqueJobId(label);
    const key = `uploads/${label}/${jobId}.csv`;
    await service.s3.storage.put(key, csv);
    const request = importRequest(jobId, key, extra);
    if (fileName) request.source.fileName = fileName;
    expect((await service.deliver(request)).status).toBe(202);
    return { jobId, key };
  };
  const ok = await put('people', 'id,name\n1,Ann\n2,Bob\n');
  const bad = await put('bad', BAD_JSON, { columns: [{ name: 'payload', type: 'json' }] }, 'Zahlungen März.csv');
  await bull.waitForState(ok.jobId, 'completed');
  await bull.waitForState(bad.jobId, 'failed');
  const jobs = async (status: string): Promise<BoardJob[]> => {
    const res = await fetch(`${service.baseUrl}/admin/queues/api/queues?activeQueue=${QUEUE.importCsv}&status=${status}&page=1&jobsPerPage=10`, {
      headers: AUTHORIZED,
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { queues: { jobs: BoardJob[] }[] }).queues[0]!.jobs;
  };
  const job = async (jobId: string): Promise<BoardJob> => {
    const res = await fetch(`${service.baseUrl}/admin/queues/api/queues/${QUEUE.importCsv}/${jobId}`, { headers: AUTHORIZED });
    expect(res.status).toBe(200);
    return ((await res.json()) as { job: BoardJob }).job;
  };
  return { service, bull, ok, bad, jobs, job, stop: async () => (await bull.close(), await service.stop()) };
}

describe('the dashboard shows each job for operators', () => {
  let board: Awaited<ReturnType<typeof boardWithJobs>>;
  beforeAll(async () => {
    board = await boardWithJobs({});
  });
  afterAll(async () => {
    await board?.stop();
  });

  it('names a job by its list name and file key, and by the file name its user knows when the app sent one', async () => {
    const [job] = await board.jobs('completed');
    expect(job).toMatchObject({ id: board.ok.jobId, name: `list ${board.ok.jobId} · ${board.ok.key}` });
    const [failed] = await board.jobs('failed');
    expect(failed).toMatchObject({ id: board.bad.jobId, name: `list ${board.bad.jobId} · Zahlungen März.csv (${board.bad.key})` });
  });

  it('gives progress as a number bull-board draws, with the counts beside it', async () => {
    const [job] = await board.jobs('completed');
    const size = Buffer.byteLength('id,name\n1,Ann\n2,Bob\n');
    expect(job!.progress).toEqual({ progress: 100, rows: 2, bytes: size, totalBytes: size });
  });

  it('shows a failure as CODE: message, and the stack trace outside production', async () => {
    const [job] = await board.jobs('failed');
    expect(job!.failedReason).toMatch(new RegExp(`^JSON_PARSE_ERROR: "Zahlungen März\\.csv": row 1 \\(line 2\\), column "payload": not valid JSON`));
    expect(job!.stacktrace.join('\n')).toMatch(/UnrecoverableError: JSON_PARSE_ERROR/);
  });

  it('serves a page that links nothing on another origin, and its own assets', async () => {
    const res = await fetch(`${board.service.baseUrl}/admin/queues/queue/${QUEUE.importCsv}`, { headers: AUTHORIZED });
    const html = await res.text();
    expect(html).toContain('<title>CSV imports</title>');
    expect(html).not.toMatch(/(?:href|src)=["'](?:https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect((await fetch(`${board.service.baseUrl}/admin/queues/${asset}`, { headers: AUTHORIZED })).status, asset).toBe(200);
    }
  });
});

describe('the dashboard in production', () => {
  let board: Awaited<ReturnType<typeof boardWithJobs>>;
  beforeAll(async () => {
    board = await boardWithJobs({ NODE_ENV: 'production', PUBLIC_URL: 'http://127.0.0.1' });
  });
  afterAll(async () => {
    await board?.stop();
  });

  it('shows a failure as CODE: message with no stack trace, in the listing and on the job page', async () => {
    const stored = await board.bull.queue.getJob(board.bad.jobId);
    expect(stored?.stacktrace?.length).toBeGreaterThan(0);
    for (const job of [(await board.jobs('failed'))[0]!, await board.job(board.bad.jobId)]) {
      expect(job.failedReason).toMatch(/^JSON_PARSE_ERROR: /);
      expect(job.stacktrace).toEqual([]);
      expect(JSON.stringify(job)).not.toMatch(/\.ts:\d+|at async|node:internal/);
    }
  });

  it('still lets an operator retry the failed job', async () => {
    const res = await fetch(`${board.service.baseUrl}/admin/queues/api/queues/${QUEUE.importCsv}/${board.bad.jobId}/retry`, {
      method: 'PUT',
      headers: { ...AUTHORIZED, 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(204);
    await board.bull.waitForState(board.bad.jobId, 'failed');
    expect((await board.bull.queue.getJob(board.bad.jobId))?.attemptsMade).toBe(2);
  });
});
