import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { listen } from './listen.js';

/**
 * What the store does wrong for one key, `times` times (always when absent). `status` answers
 * without asking the store (every method, or only `method`). `stall`, `reset` and `shortLength`
 * act on a successful GET (only GETs count towards `times`): `stall` sends the headers and
 * `afterBytes` bytes (at most all but the last), then nothing, keeping the socket open; `reset`
 * sends as much, then resets the connection; `shortLength` makes HEAD report `contentLength` and
 * sends the GET body without a Content-Length (chunked), which is how a store can lie about a
 * size over HTTP. `hang` never answers at all (not even headers), whatever the method.
 * `deleteAfterHead` answers a HEAD truthfully, then deletes the object before the answer leaves,
 * so the GET that follows finds it gone (a user deleting the file mid-import). `throttle` sends
 * the GET body at `bytesPerSecond` (a slow link: data keeps coming, nothing stalls). `truncate`
 * ends a GET's body cleanly after `afterBytes` (sent chunked, so nothing tells the client it is
 * short). `replace` stores `body` under the key once the store has answered a `method` request,
 * before that answer is passed on (the object replaced mid-import). `delay` holds a `method`
 * request (any, when absent) for `ms` before passing it on.
 */
export type Fault =
  | { kind: 'status'; status: number; times?: number; method?: string }
  | { kind: 'hang'; times?: number }
  | { kind: 'stall'; afterBytes: number; times?: number }
  | { kind: 'reset'; afterBytes: number; times?: number }
  | { kind: 'shortLength'; contentLength: number; times?: number }
  | { kind: 'deleteAfterHead'; times?: number }
  | { kind: 'throttle'; bytesPerSecond: number; times?: number }
  | { kind: 'truncate'; afterBytes: number; times?: number }
  | { kind: 'replace'; method: 'HEAD' | 'GET'; body: string; times?: number }
  | { kind: 'delay'; ms: number; method?: string; times?: number };

export interface Faults {
  set(key: string, fault: Fault): void;
  /** Clears the fault of one key, or of every key. */
  clear(key?: string): void;
  /** Requests the proxy received for a key, faulty or not (shows the SDK's own retries). */
  hits(key: string): number;
  /**
   * Resolves once every faulty response for the key has been closed. A stalled response only
   * closes when the client gives up its socket, so this shows whether a reader leaks it.
   */
  released(key: string): Promise<void>;
}

export interface FaultyProxy {
  endpoint: string;
  faults: Faults;
  stop(): Promise<void>;
}

const ERROR_CODES: Record<number, string> = {
  403: 'AccessDenied',
  404: 'NoSuchKey',
  429: 'SlowDown',
  500: 'InternalError',
  503: 'SlowDown',
};
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding'];

/** An HTTP proxy in front of a path-style S3 endpoint that misbehaves per object key on demand. */
export async function startFaultyProxy(target: { host: string; port: number; bucket: string }, port = 0): Promise<FaultyProxy> {
  const faults = new Map<string, Fault>();
  const hits = new Map<string, number>();
  const pending = new Map<string, Set<Promise<void>>>();
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();

  const track = (key: string, res: http.ServerResponse) => {
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    const set = pending.get(key) ?? new Set();
    pending.set(key, set.add(closed));
    void closed.then(() => set.delete(closed));
  };

  const takeFault = (key: string, method: string): Fault | undefined => {
    const fault = faults.get(key);
    if (!fault) return undefined;
    if ((fault.kind === 'status' || fault.kind === 'delay' || fault.kind === 'replace') && fault.method && fault.method !== method) return undefined;
    if (fault.times !== undefined && actsOn(fault, method) && --fault.times <= 0) faults.delete(key);
    return fault;
  };

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const key = keyOf(req.url ?? '/', target.bucket);
    hits.set(key, (hits.get(key) ?? 0) + 1);
    const fault = takeFault(key, method);
    if (fault) track(key, res);
    if (fault?.kind === 'status') {
      req.resume();
      return sendError(res, method, key, fault.status);
    }
    if (fault?.kind === 'hang') return void req.resume();
    const pass = () => {
      const upstream = http.request(
        { host: target.host, port: target.port, method, path: req.url, headers: req.headers, agent },
        (up) => {
          const change = changeFor(fault, method);
          if (!change) return forward(req, res, up, fault);
          const changing = http.request(
            { host: target.host, port: target.port, method: change.method, path: req.url, agent, headers: { 'content-length': Buffer.byteLength(change.body ?? '') } },
            (answer) => {
              answer.resume();
              answer.once('end', () => forward(req, res, up, fault));
            },
          );
          changing.on('error', (err) => res.destroy(err));
          changing.end(change.body);
        },
      );
      upstream.on('error', (err) => res.destroy(err));
      req.pipe(upstream);
    };
    if (fault?.kind === 'delay') setTimeout(pass, fault.ms);
    else pass();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, port);
  const { port: listening } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${listening}`,
    faults: {
      set: (key, fault) => void faults.set(key, { ...fault }),
      clear: (key) => (key === undefined ? faults.clear() : void faults.delete(key)),
      hits: (key) => hits.get(key) ?? 0,
      released: async (key) => {
        await Promise.all(pending.get(key) ?? []);
      },
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}

/** What to do to the stored object before the answer to this request leaves, if anything. */
function changeFor(fault: Fault | undefined, method: string): { method: 'DELETE' | 'PUT'; body?: string } | undefined {
  if (fault?.kind === 'deleteAfterHead' && method === 'HEAD') return { method: 'DELETE' };
  if (fault?.kind === 'replace' && method === fault.method) return { method: 'PUT', body: fault.body };
  return undefined;
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, up: http.IncomingMessage, fault: Fault | undefined) {
  const status = up.statusCode ?? 502;
  const headers = { ...up.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  const ok = status === 200;

  if (fault?.kind === 'shortLength' && ok) {
    if (req.method === 'HEAD') headers['content-length'] = String(fault.contentLength);
    else delete headers['content-length'];
  }
  if (ok && req.method === 'GET' && fault?.kind === 'truncate') delete headers['content-length'];
  res.writeHead(status, headers);
  if (ok && req.method === 'GET' && fault?.kind === 'throttle') return throttle(up, res, fault.bytesPerSecond);
  if (ok && req.method === 'GET' && fault?.kind === 'truncate') return truncate(up, res, fault.afterBytes);
  if (!ok || req.method !== 'GET' || (fault?.kind !== 'stall' && fault?.kind !== 'reset')) {
    up.pipe(res);
    return;
  }

  const { kind } = fault;
  // Never the whole body: a complete response would leave nothing to stall or reset.
  const length = Number(up.headers['content-length'] ?? Infinity);
  const afterBytes = Math.max(0, Math.min(fault.afterBytes, length - 1));
  let sent = 0;
  let done = false;
  const misbehave = () => {
    if (done) return;
    done = true;
    up.destroy();
    // The delay lets the bytes already written reach the client before the reset discards them.
    if (kind === 'reset') setTimeout(() => req.socket.resetAndDestroy(), 20);
  };
  res.flushHeaders();
  up.on('data', (chunk: Buffer) => {
    const room = afterBytes - sent;
    if (room > 0) {
      res.write(chunk.subarray(0, room));
      sent += Math.min(room, chunk.length);
    }
    if (sent >= afterBytes) misbehave();
  });
  up.on('end', misbehave);
  if (afterBytes <= 0) misbehave();
}

/** Passes the body on chunk by chunk, waiting after each as long as the rate allows. */
function throttle(up: http.IncomingMessage, res: http.ServerResponse, bytesPerSecond: number) {
  let timer: NodeJS.Timeout | undefined;
  res.once('close', () => {
    clearTimeout(timer);
    up.destroy();
  });
  up.on('data', (chunk: Buffer) => {
    up.pause();
    res.write(chunk);
    timer = setTimeout(() => up.resume(), (chunk.length / bytesPerSecond) * 1000);
  });
  up.once('end', () => res.end());
}

/** Passes on the first `afterBytes` of the body, then ends the response as if that were all. */
function truncate(up: http.IncomingMessage, res: http.ServerResponse, afterBytes: number) {
  let sent = 0;
  up.on('data', (chunk: Buffer) => {
    if (sent < afterBytes) res.write(chunk.subarray(0, afterBytes - sent));
    sent += chunk.length;
    if (sent >= afterBytes) {
      up.destroy();
      res.end();
    }
  });
  up.once('end', () => res.end());
}

/** Whether a request uses up one of the fault's `times`. */
function actsOn(fault: Fault, method: string): boolean {
  switch (fault.kind) {
    case 'status':
    case 'hang':
      return true;
    case 'deleteAfterHead':
      return method === 'HEAD';
    case 'replace':
    case 'delay':
      return fault.method === undefined || fault.method === method;
    default:
      return method === 'GET';
  }
}

function sendError(res: http.ServerResponse, method: string, key: string, status: number) {
  const code = ERROR_CODES[status] ?? 'InjectedFault';
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Error><Code>${code}</Code><Message>injected by the test proxy</Message><Key>${escapeXml(key)}</Key></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  // HEAD answers carry no body, like S3's: the SDK then knows the error only by its status.
  res.end(method === 'HEAD' ? undefined : body);
}

function keyOf(url: string, bucket: string): string {
  const path = new URL(url, 'http://proxy').pathname;
  const prefix = `/${bucket}/`;
  return path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : '';
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
