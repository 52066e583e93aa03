import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { listen } from './listen.js';

/**
 * `refuse`: nothing listens (connections are refused, open ones are cut); `hang`: requests are
 * read and never answered (a hung proxy); `delayMs`: every answer waits that long; `status`:
 * every request gets that HTTP status and an error body.
 */
export type UpstashMode = 'ok' | 'refuse' | 'hang' | { delayMs: number } | { status: number };

export interface UpstashTestServer {
  url: string;
  token: string;
  setMode(mode: UpstashMode): Promise<void>;
  /** Requests answered or refused so far, by path (`/`, `/pipeline`, `/multi-exec`). */
  requests(path?: string): number;
  /** The bodies of the requests read so far: the largest one's bytes, and all of them together. */
  requestBytes(): { largest: number; total: number };
  stop(): Promise<void>;
}

type Arg = string | number | boolean;
type Reply = { result: unknown } | { error: string };

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

// Commands that would hold or reconfigure the shared connection; the REST API does not run them.
const REFUSED = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'MONITOR', 'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'QUIT', 'SELECT', 'RESET', 'CLIENT']);

/**
 * The Upstash Redis REST protocol (PROTOCOLS.md) over a real Redis, for @upstash/redis to talk to
 * unchanged: POST / (one command), /pipeline, /multi-exec; Bearer token; base64 answers on request.
 */
export async function startUpstashServer(options: { redisUrl: string; token: string; port?: number }): Promise<UpstashTestServer> {
  // RESP2: ioredis 6 defaults to RESP3, whose maps and doubles are not what Upstash answers with.
  const redis = new Redis(options.redisUrl, { protocol: 2, maxRetriesPerRequest: 1, lazyConnect: true });
  // While Redis is down (the restart tests) commands fail and are answered as errors; without a
  // listener ioredis would also print every reconnect failure.
  redis.on('error', () => {});
  await redis.connect();
  let mode: UpstashMode = 'ok';
  const counts = new Map<string, number>();
  const bodies = { largest: 0, total: 0 };
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://upstash').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (mode === 'hang') return void req.resume();
    void answer(req, path)
      .then((body) => send(res, 200, body))
      .catch((err: unknown) =>
        err instanceof HttpError ? send(res, err.status, { error: err.message }) : send(res, 500, { error: String(err) }),
      );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, options.port ?? 0);
  const { port } = server.address() as AddressInfo;

  async function answer(req: http.IncomingMessage, path: string): Promise<unknown> {
    const current = mode;
    if (typeof current === 'object' && 'delayMs' in current) await new Promise((r) => setTimeout(r, current.delayMs));
    if (typeof current === 'object' && 'status' in current) throw new HttpError(current.status, 'injected by the test server');
    if (req.method !== 'POST') throw new HttpError(405, 'only POST is served here');
    if (req.headers.authorization !== `Bearer ${options.token}`) throw new HttpError(401, 'Unauthorized');
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const body = await readJson(req, (bytes) => {
      bodies.largest = Math.max(bodies.largest, bytes);
      bodies.total += bytes;
    });
    if (path === '/') return encodeReply(await runOne(redis, command(body)), base64);
    if (path === '/pipeline') return (await runPipeline(redis, commands(body))).map((r) => encodeReply(r, base64));
    if (path === '/multi-exec') return (await runTransaction(redis, commands(body))).map((r) => encodeReply(r, base64));
    throw new HttpError(404, `no such endpoint: ${path}`);
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    async setMode(next) {
      const wasRefusing = mode === 'refuse';
      mode = next;
      if (next === 'refuse' && !wasRefusing) await closeServer(server, sockets);
      if (next !== 'refuse' && wasRefusing) await listen(server, port);
    },
    requests: (path) => (path ? (counts.get(path) ?? 0) : [...counts.values()].reduce((a, b) => a + b, 0)),
    requestBytes: () => ({ ...bodies }),
    stop: () =>
      (stopped ??= (async () => {
        if (server.listening) await closeServer(server, sockets);
        redis.disconnect();
      })()),
  };
}

async function runOne(redis: Redis, [name, ...args]: string[]): Promise<Reply> {
  if (!name) throw new HttpError(400, 'ERR empty command');
  try {
    return { result: await redis.callBuffer(name.toUpperCase(), ...args) };
  } catch (err) {
    // A single failing command is an HTTP error; inside a pipeline it is one entry.
    throw new HttpError(400, (err as Error).message);
  }
}

async function runPipeline(redis: Redis, cmds: string[][]): Promise<Reply[]> {
  // Sent back to back on one connection; like Upstash's pipeline, it is not atomic.
  const settled = await Promise.allSettled(cmds.map(([name, ...args]) => redis.callBuffer(name!.toUpperCase(), ...args)));
  return settled.map((s) => (s.status === 'fulfilled' ? { result: s.value } : { error: (s.reason as Error).message }));
}

async function runTransaction(redis: Redis, cmds: string[][]): Promise<Reply[]> {
  const tx = redis.multi();
  for (const [name, ...args] of cmds) tx.callBuffer(name!.toUpperCase(), ...args);
  try {
    const results = (await tx.exec()) ?? [];
    return results.map(([err, value]) => (err ? { error: err.message } : { result: value }));
  } catch (err) {
    // EXECABORT: a command was refused while queueing, so nothing ran.
    const previous = (err as { previousErrors?: Error[] }).previousErrors?.[0]?.message;
    throw new HttpError(400, previous ?? (err as Error).message);
  }
}

function command(body: unknown): string[] {
  if (!Array.isArray(body) || body.length === 0 || !body.every(isArg)) {
    throw new HttpError(400, 'ERR the body must be a JSON array of a command and its arguments');
  }
  const [name] = body as Arg[];
  if (REFUSED.has(String(name).toUpperCase())) throw new HttpError(400, `ERR command is not available: ${String(name)}`);
  return (body as Arg[]).map(String);
}

function commands(body: unknown): string[][] {
  if (!Array.isArray(body) || body.length === 0) throw new HttpError(400, 'ERR the body must be a JSON array of commands');
  return body.map(command);
}

const isArg = (v: unknown): v is Arg => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function encodeReply(reply: Reply, base64: boolean): Reply {
  return 'error' in reply ? reply : { result: encode(reply.result, base64) };
}

/** Every string, nested ones too, becomes base64 of its bytes when asked; numbers and null stay. */
function encode(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) return base64 ? value.toString('base64') : value.toString('utf8');
  if (typeof value === 'string') return base64 ? Buffer.from(value).toString('base64') : value;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  if (value instanceof Error) return value.message;
  // ioredis turns some replies (HGETALL) into objects; the REST protocol sends the flat list.
  if (value !== null && typeof value === 'object') return Object.entries(value).flat().map((v) => encode(v, base64));
  return value;
}

async function readJson(req: http.IncomingMessage, onRead: (bytes: number) => void): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  onRead(body.length);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'ERR the body is not JSON');
  }
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function closeServer(server: http.Server, sockets: Set<Socket>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  return closed;
}
