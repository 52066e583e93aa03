import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdir, readFile } from 'node:fs/promises';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE } from '../../src/shared/queues.js';
import { openImportQueue, type ImportQueueHandle } from '../helpers/import-queue.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

const CREDENTIALS = { username: 'ops', password: 'dashboard-browser-secret' };
// The README's picture is refreshed on request (SAVE_SCREENSHOT=1 npx vitest run test/api);
// otherwise the shot goes to a temp file, so a test run leaves the work tree as it found it.
const SCREENSHOT = process.env.SAVE_SCREENSHOT
  ? new URL('../../docs/bull-board.png', import.meta.url)
  : pathToFileURL(join(tmpdir(), `bull-board-${process.pid}.png`));
const UI_TIMEOUT_MS = 10_000;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let service: TestService;
let bull: ImportQueueHandle;
let browser: Browser;
const completed: { jobId: string; key: string; rows: number }[] = [];
let failed: { jobId: string; key: string };

async function importFile(label: string, csv: string, extra: Parameters<typeof importRequest>[2] = {}) {
  const jobId = uniqueJobId(label);
  const key = `uploads/${jobId}.csv`;
  await service.s3.storage.put(key, csv);
  expect((await service.deliver(importRequest(jobId, key, extra))).status).toBe(202);
  return { jobId, key };
}

beforeAll(async () => {
  // Production, as operators see it: no stack traces (PUBLIC_URL is required there; it has no
  // path, so the board stays at /admin/queues).
  service = await startService({
    apiEnv: {
      BULL_BOARD_USERNAME: CREDENTIALS.username, BULL_BOARD_PASSWORD: CREDENTIALS.password,
      NODE_ENV: 'production', PUBLIC_URL: 'http://127.0.0.1',
    },
  });
  bull = openImportQueue(service);
  const people = await importFile('people', 'id,name\n1,Ann\n2,Bob\n3,Cy\n');
  const cities = await importFile('cities', 'city;country\nLyon;FR\nKyiv;UA\n');
  failed = await importFile('bad-json', 'id,payload\n1,"{""ok"":true}"\n2,{not json}\n', {
    columns: [{ name: 'payload', type: 'json' }],
  });
  completed.push({ ...people, rows: 3 }, { ...cities, rows: 2 });
  for (const { jobId } of completed) await bull.waitForState(jobId, 'completed');
  await bull.waitForState(failed.jobId, 'failed');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await bull?.close();
  await service?.stop();
});

/**
 * A fresh browser context whose every request is recorded (`requests`, by URL) and which may
 * reach only the service: a request anywhere else is recorded, then aborted, so a test run never
 * leaves the machine and the record still shows what the page tried to load.
 */
async function withPage<T>(options: { credentials: boolean }, fn: (page: Page, requests: string[]) => Promise<T>): Promise<T> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    ...(options.credentials ? { httpCredentials: CREDENTIALS } : {}),
  });
  const requests: string[] = [];
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requests.push(url);
      return new URL(url).origin === new URL(service.baseUrl).origin ? route.continue() : route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
    return await fn(page, requests);
  } finally {
    await context.close();
  }
}

/** Requests that left the service's origin; data: and blob: URLs never leave the page. */
const offOrigin = (requests: string[]) =>
  requests.filter((url) => !/^(data|blob):/.test(url) && new URL(url).origin !== new URL(service.baseUrl).origin);

async function openQueueTab(page: Page, tab: 'COMPLETED' | 'FAILED'): Promise<void> {
  await page.goto(`${service.baseUrl}/admin/queues`);
  await page.getByRole('navigation').getByRole('link', { name: QUEUE.importCsv }).click();
  await page.getByRole('link', { name: new RegExp(`^${tab}`) }).click();
  await page.waitForURL(`**/admin/queues/queue/${QUEUE.importCsv}?status=${tab.toLowerCase()}`);
}

/** The card of one job: the nearest element around its id link that has the job's detail tabs. */
function jobCard(page: Page, jobId: string): Locator {
  return page.getByRole('link', { name: jobId, exact: true }).locator('xpath=ancestor::div[.//*[@role="tablist"]][1]');
}

/** One `key: value` line of the JSON tree in a card's open tab. */
function jsonLine(card: Locator, key: string, value: string | number): Locator {
  return card.getByRole('tabpanel').getByRole('treeitem').filter({ hasText: new RegExp(`^${key}:${JSON.stringify(value)},?$`) });
}

describe('the dashboard in a browser', () => {
  it('answers /admin/queues with 401 and shows no board when the browser has no credentials', async () => {
    await withPage({ credentials: false }, async (page) => {
      const challenge = page.waitForResponse(`${service.baseUrl}/admin/queues`);
      // Headless Chromium cannot prompt, so it abandons a navigation that meets a challenge.
      const navigation = await page.goto(`${service.baseUrl}/admin/queues`).then(
        () => 'loaded',
        (err: Error) => err.message,
      );
      expect(navigation).toContain('net::ERR_INVALID_AUTH_CREDENTIALS');
      const res = await challenge;
      expect(res.status()).toBe(401);
      expect(await res.headerValue('www-authenticate')).toMatch(/^Basic realm=/);
      expect(await page.locator('body').innerText()).not.toContain(QUEUE.importCsv);
    });
  });

  it('shows the import queue with its job counts once logged in', async () => {
    await withPage({ credentials: true }, async (page) => {
      const res = await page.goto(`${service.baseUrl}/admin/queues`);
      expect(res?.status()).toBe(200);
      expect(await page.title()).toBe('CSV imports');
      await page.getByRole('navigation').getByRole('link', { name: QUEUE.importCsv }).waitFor();
      await page.getByText('3 Jobs').waitFor();
      expect(await page.getByRole('link', { name: /^COMPLETED/ }).innerText()).toMatch(/COMPLETED\s*2/);
      expect(await page.getByRole('link', { name: /^FAILED/ }).innerText()).toMatch(/FAILED\s*1/);
    });
  });

  it('lists the completed imports by list name and file, with a 100% ring, their progress counts and result', async () => {
    await withPage({ credentials: true }, async (page) => {
      await openQueueTab(page, 'COMPLETED');
      for (const { jobId, key, rows } of completed) {
        const card = jobCard(page, jobId);
        await card.waitFor();
        await card.getByText(`list ${jobId} · ${key}`, { exact: true }).waitFor();
        await card.locator('svg text').getByText('100%', { exact: true }).waitFor();
        const { rows: lists } = await service.db.pool.query('select id from lists where job_id = $1', [jobId]);
        await jsonLine(card, 'listId', lists[0].id).waitFor();
        await jsonLine(card, 'rows', rows).first().waitFor();

        await card.getByRole('tab', { name: 'Progress' }).click();
        await jsonLine(card, 'progress', 100).waitFor();
        await jsonLine(card, 'rows', rows).waitFor();
      }
      expect(await page.getByText(failed.jobId).count()).toBe(0);
    });
  });

  it('shows the failed import on the failed tab as CODE: message, with no stack trace', async () => {
    await withPage({ credentials: true }, async (page) => {
      await openQueueTab(page, 'FAILED');
      const card = jobCard(page, failed.jobId);
      await card.waitFor();
      const reason = card.getByRole('tabpanel').getByText(/JSON_PARSE_ERROR/).first();
      await reason.waitFor();
      const text = await reason.innerText();
      expect(text).toMatch(new RegExp(`^JSON_PARSE_ERROR: "${failed.key}": row 2 \\(line 3\\), column "payload": not valid JSON`));
      const panel = await card.getByRole('tabpanel').innerText();
      expect(panel).not.toMatch(/UnrecoverableError|\n\s*at |\.ts:\d+/);
      for (const { jobId } of completed) expect(await page.getByText(jobId).count()).toBe(0);
    });
  });

  it('loads nothing from outside the service\'s origin, on any page an operator opens', async () => {
    await withPage({ credentials: true }, async (page, requests) => {
      await openQueueTab(page, 'COMPLETED');
      const card = jobCard(page, completed[0]!.jobId);
      await card.getByRole('tab', { name: 'Progress' }).click();
      await openQueueTab(page, 'FAILED');
      await jobCard(page, failed.jobId).getByRole('tabpanel').waitFor();
      await page.goto(`${service.baseUrl}/admin/queues/queue/${QUEUE.importCsv}/${completed[1]!.jobId}`);
      await page.getByText(completed[1]!.key).first().waitFor();
      await page.waitForLoadState('networkidle');
      // The page and its own assets and api calls were requested: the record is not empty by accident.
      expect(requests.filter((u) => /\/static\/js\/main\.[^/]+\.js$/.test(u)).length).toBeGreaterThanOrEqual(1);
      expect(requests.filter((u) => u.includes('/admin/queues/api/queues')).length).toBeGreaterThanOrEqual(2);
      expect(offOrigin(requests)).toEqual([]);
    });
  });

  it('takes a screenshot of the completed tab (docs/bull-board.png)', async () => {
    await withPage({ credentials: true }, async (page) => {
      await openQueueTab(page, 'COMPLETED');
      // Tall enough for both cards: a full-page shot resizes the viewport, and the board re-renders
      // its cards on a resize, back on their Data tab.
      await page.setViewportSize({ width: 1400, height: 1250 });
      for (const { jobId } of completed) await jobCard(page, jobId).getByRole('tabpanel').waitFor();
      // One card on its result (the default Data tab), the other on its progress.
      const progressCard = jobCard(page, completed[0]!.jobId);
      await progressCard.getByRole('tab', { name: 'Progress' }).click();
      await jsonLine(progressCard, 'progress', 100).waitFor();
      await mkdir(new URL('.', SCREENSHOT), { recursive: true });
      // Finished transitions: the shot is of the page at rest, not of a card sliding in.
      await page.screenshot({ path: SCREENSHOT.pathname, animations: 'disabled', timeout: UI_TIMEOUT_MS });
      expect(await progressCard.getByRole('tab', { name: 'Progress' }).getAttribute('aria-selected')).toBe('true');
      const png = await readFile(SCREENSHOT);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1400);
      expect(png.length).toBeGreaterThan(20_000);
    });
  });
});
