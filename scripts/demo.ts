/**
 * The whole job on a machine with only PostgreSQL and Redis: an S3 stand-in holding a sample CSV,
 * an Upstash REST stand-in, the real api and worker processes, and a webhook signed exactly as
 * QStash signs it. Follows the status document to its end, prints the list, and prints the
 * completion callback that the QStash stand-in delivers to a small receiver standing for the app.
 *
 *   npm run demo            (DATABASE_URL / REDIS_URL override the local defaults)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { Redis as UpstashRedis } from '@upstash/redis';
import pg from 'pg';
import { verifyImportCallback } from '../packages/client/src/index.js';
import { statusKey, type StatusDocument } from '../src/shared/contract.js';
import { ensureDatabase } from '../src/shared/db/ensure-database.js';
import { runMigrations } from '../src/shared/db/migrate.js';
import { startS3Server } from '../test/helpers/s3-server.js';
import { startQstashServer } from '../test/helpers/qstash-server.js';
import { signQstash } from '../test/helpers/sign-qstash.js';
import { startUpstashServer } from '../test/helpers/upstash-server.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/csv_import_demo';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIGNING_KEY = `demo_current_${randomBytes(8).toString('hex')}`;
const NEXT_SIGNING_KEY = `demo_next_${randomBytes(8).toString('hex')}`;
const say = (line: string) => process.stdout.write(`${line}\n`);

await ensureDatabase(DATABASE_URL);
await runMigrations(DATABASE_URL);
const s3 = await startS3Server();
const upstashToken = `demo_${randomBytes(8).toString('hex')}`;
const upstash = await startUpstashServer({ redisUrl: REDIS_URL, token: upstashToken });
const key = `uploads/demo-${Date.now()}.csv`;
const csv = sampleCsv(50_000);
await s3.storage.put(key, csv);
say(`S3 stand-in holds s3://${s3.bucket}/${key} (${csv.length} bytes)`);
const qstashToken = `demo_qstash_${randomBytes(8).toString('hex')}`;
const qstash = await startQstashServer({ token: qstashToken, signingKey: SIGNING_KEY });
const receiver = await startCallbackReceiver();
say(`QStash stand-in on ${qstash.url}; the app's callback endpoint on ${receiver.url}`);

const env = {
  ...process.env,
  ...s3.env,
  DATABASE_URL,
  REDIS_URL,
  QUEUE_PREFIX: `{csv-import-demo-${randomBytes(3).toString('hex')}}`,
  UPSTASH_REDIS_REST_URL: upstash.url,
  UPSTASH_REDIS_REST_TOKEN: upstashToken,
  QSTASH_CURRENT_SIGNING_KEY: SIGNING_KEY,
  QSTASH_NEXT_SIGNING_KEY: NEXT_SIGNING_KEY,
  QSTASH_TOKEN: qstashToken,
  QSTASH_URL: qstash.url,
  CALLBACK_URL_PREFIXES: `${receiver.url}/webhooks/`,
  PORT: '0',
  LOG_LEVEL: 'info',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const children: ChildProcess[] = [];
const start = (entry: string) => {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
};
try {
  const api = start('src/api/main.ts');
  const port = JSON.parse(await logLine(api, /"api listening"/)).port as number;
  const worker = start('src/worker/main.ts');
  await logLine(worker, /"worker started"/);
  say(`api on port ${port}, worker started`);

  const url = `http://127.0.0.1:${port}/qstash/import`;
  const jobId = `demo-${randomBytes(6).toString('hex')}`;
  const callbackUrl = `${receiver.url}/webhooks/csv-import`;
  const body = JSON.stringify({ jobId, source: { key }, list: { name: 'Demo contacts', ownerId: 'demo-user' }, callbackUrl });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'upstash-signature': signQstash({ key: SIGNING_KEY, url, body }) },
    body,
  });
  say(`POST /qstash/import → ${res.status} ${await res.text()}`);

  const status = await follow(new UpstashRedis({ url: upstash.url, token: upstashToken, enableTelemetry: false }), jobId);
  if (status.state !== 'succeeded' || !status.result) throw new Error(`import ended ${status.state}: ${JSON.stringify(status.error)}`);
  say(`\nlist ${status.result.listId}: ${status.result.rows} rows, columns:`);
  for (const c of status.result.columns) say(`  ${c.key.padEnd(12)} ${c.type.padEnd(6)} "${c.name}"`);
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const { rows } = await db.query('select row_number, data from list_rows where list_id = $1 order by row_number limit 3', [status.result.listId]);
  await db.end();
  say('first rows:');
  for (const r of rows) say(`  ${r.row_number}: ${JSON.stringify(r.data)}`);

  const callback = await receiver.next(15_000);
  const verified = await verifyImportCallback(
    { signature: callback.signature, body: callback.body, url: callbackUrl },
    { currentSigningKey: SIGNING_KEY, nextSigningKey: NEXT_SIGNING_KEY },
  );
  say(`\ncallback POST ${callback.path} (QStash message ${callback.messageId}), signature verified:`);
  say(`  ${verified.jobId} ${verified.state}: list ${verified.result?.listId}, ${verified.result?.rows} rows, finished ${verified.finishedAt}`);
  say(`  the body is the final status document: ${isDeepStrictEqual(verified, status) ? 'yes' : 'no'}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  await upstash.stop();
  await s3.stop();
  await qstash.stop();
  await receiver.stop();
}

async function follow(client: UpstashRedis, jobId: string): Promise<StatusDocument> {
  let last = '';
  for (;;) {
    const doc = await client.get<StatusDocument>(statusKey(jobId));
    const line = doc ? `status: ${doc.state} (attempt ${doc.attempt}) ${doc.progress.rows} rows, ${doc.progress.percent}%` : 'status: (none yet)';
    if (line !== last) say(line);
    last = line;
    if (doc?.state === 'succeeded' || doc?.state === 'failed' || doc?.state === 'cancelled') return doc;
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ReceivedCallback {
  path: string;
  signature: string | undefined;
  messageId: string | undefined;
  body: string;
}

/** The app's callback endpoint: keeps each request for the demo to verify as the app would. */
async function startCallbackReceiver() {
  const received: ReceivedCallback[] = [];
  let arrived = () => {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200).end();
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
      received.push({ path: req.url ?? '/', signature: header('upstash-signature'), messageId: header('upstash-message-id'), body: Buffer.concat(chunks).toString('utf8') });
      arrived();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The first callback, once it has arrived. */
    async next(timeoutMs: number): Promise<ReceivedCallback> {
      if (!received.length) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no callback within ${timeoutMs} ms`)), timeoutMs);
          arrived = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return received[0]!;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function logLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`process exited with ${code} before logging ${pattern}`)));
  });
}

/** Contacts with the things real exports have: quoted commas, newlines, accents, JSON tags. */
function sampleCsv(rows: number): string {
  const first = ['Ann', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Fatima', 'Günter', '美咲'];
  const cities = ['Paris', 'New York, NY', 'São Paulo', 'Zürich', 'Tokyo'];
  const lines = ['Customer ID,Full Name,City,Phone,Notes,Tags'];
  for (let i = 1; i <= rows; i++) {
    const name = `${first[i % first.length]} ${String.fromCharCode(65 + (i % 26))}.`;
    const city = cities[i % cities.length]!;
    const notes = i % 7 === 0 ? '"Called twice,\nleft a message"' : '';
    lines.push(`${String(i).padStart(6, '0')},${name},"${city}",+1-555-${String(i % 10_000).padStart(4, '0')},${notes},"[""vip"",${i % 3}]"`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
