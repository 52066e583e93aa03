import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { listen } from './listen.js';
import { signQstash } from './sign-qstash.js';

export interface QstashServerOptions {
  /** The bearer token publishers must send (`QSTASH_TOKEN`). */
  token: string;
  /** The key deliveries are signed with: QStash signs with the account's current signing key. */
  signingKey: string;
  /** Deliveries per message are 1 + retries; a publish's `Upstash-Retries` overrides. Default 3 (QStash's free tier). */
  retries?: number;
  /** The wait before retry n (1, 2, …); default 10 ms × 2^(n-1). QStash waits min(1 day, e^(2.5n)) s. */
  backoffMs?: (retry: number) => number;
  /** How long a deduplication id is remembered; default 10 minutes, as QStash. */
  deduplicationWindowMs?: number;
  /**
   * Where a destination is really reached (a proxy in front of it, as PUBLIC_URL is in front of the
   * api); the signature's `sub` stays the destination. Default: the destination itself.
   */
  route?: (destination: string) => string;
  /** A destination that has not answered after this long has failed (and is retried); default 10 s. */
  deliveryTimeoutMs?: number;
  /** Refuse (400) destinations off this machine: `npm run dev` must not post a user's data anywhere else. */
  localDestinationsOnly?: boolean;
  /** Default 0: any free port. */
  port?: number;
}

export interface DeliveryAttempt {
  /** Where the request went (after `route`). */
  url: string;
  /** The `Upstash-Retried` header sent: 0 on the first try. */
  retried: number;
  /** The answer's status, or null when the destination was unreachable or too slow. */
  status: number | null;
  /** The answer carried `Upstash-NonRetryable-Error: true`. */
  nonRetryable: boolean;
  /** The request's headers as delivered (lower-case names), signature included. */
  headers: Record<string, string>;
}

export interface QstashMessage {
  messageId: string;
  destination: string;
  method: string;
  /** The body as published, delivered byte for byte (read here as UTF-8). */
  body: string;
  /** What is delivered besides QStash's own headers: Content-Type and the `Upstash-Forward-*` ones. */
  headers: Record<string, string>;
  deduplicationId?: string;
  retries: number;
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
}

export interface PublishRecord {
  /** The publish request's path after `/v2/publish/`, as sent. */
  destination: string;
  status: number;
  messageId?: string;
  deduplicated: boolean;
  /** The publish request's headers (lower-case names). */
  headers: Record<string, string>;
}

export interface QstashTestServer {
  /** The base URL to give `new Client({ baseUrl })`. */
  url: string;
  token: string;
  /** Every publish request, accepted or not, in order. */
  publishes(): PublishRecord[];
  /** Every accepted message (a deduplicated publish adds none), with its delivery attempts. */
  messages(): QstashMessage[];
  /** Resolves once every message accepted so far has been delivered or has given up. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

// Publish features this stand-in does not emulate: refused, so no test passes on a header ignored.
const NOT_EMULATED = ['upstash-delay', 'upstash-not-before', 'upstash-callback', 'upstash-failure-callback', 'upstash-cron', 'upstash-queue-name'];
const PUBLISH_PREFIX = '/v2/publish/';

/**
 * QStash's publish API (PROTOCOLS.md "QStash publish API") for the real `@upstash/qstash` Client to
 * talk to through `baseUrl`: `POST /v2/publish/<destination>` with the bearer token; deduplication
 * ids (explicit or content-based); delivery signed as QStash signs, retried with backoff on any
 * non-2xx answer until `Upstash-Retries` runs out or the answer says `Upstash-NonRetryable-Error`.
 */
export async function startQstashServer(options: QstashServerOptions): Promise<QstashTestServer> {
  const publishes: PublishRecord[] = [];
  const messages: QstashMessage[] = [];
  const deliveries = new Set<Promise<void>>();
  const seen = new Map<string, { messageId: string; at: number }>();
  const stopping = new AbortController();
  const sockets = new Set<Socket>();
  const windowMs = options.deduplicationWindowMs ?? 10 * 60_000;

  const server = http.createServer((req, res) => {
    void readBody(req)
      .then((body) => {
        const answer = publish(req, body);
        send(res, answer.status, answer.body);
      })
      .catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, options.port ?? 0);
  const { port } = server.address() as AddressInfo;

  function publish(req: http.IncomingMessage, body: Buffer): { status: number; body: unknown } {
    const path = req.url ?? '/';
    const headers = lowerCaseHeaders(req.headers);
    const record = (status: number, extra: Partial<PublishRecord> = {}) =>
      publishes.push({ destination: path.slice(PUBLISH_PREFIX.length), status, deduplicated: false, headers, ...extra });
    if (!path.startsWith(PUBLISH_PREFIX)) return { status: 404, body: { error: `no such endpoint: ${path}` } };
    if (req.method !== 'POST') return { status: 405, body: { error: 'publish takes POST' } };
    if (headers.authorization !== `Bearer ${options.token}`) {
      record(401);
      return { status: 401, body: { error: 'Unauthorized' } };
    }
    const refused = NOT_EMULATED.find((name) => name in headers);
    const destination = parseDestination(path.slice(PUBLISH_PREFIX.length));
    const retries = headers['upstash-retries'] === undefined ? (options.retries ?? 3) : Number(headers['upstash-retries']);
    const problem = refused
      ? `${refused} is not emulated by the test stand-in`
      : !destination
        ? 'invalid destination: an http or https URL is needed'
        : options.localDestinationsOnly && !isLocal(destination)
          ? `this QStash stand-in delivers only to http://127.0.0.1:… and http://localhost:…, not to ${new URL(destination).origin}`
          : !Number.isInteger(retries) || retries < 0
            ? 'Upstash-Retries must be a non-negative integer'
            : undefined;
    if (problem || !destination) {
      record(400);
      return { status: 400, body: { error: problem } };
    }

    const delivered = deliveredHeaders(headers);
    const deduplicationId =
      headers['upstash-deduplication-id'] ??
      (headers['upstash-content-based-deduplication'] === 'true' ? contentId(destination, body, delivered) : undefined);
    const previous = deduplicationId === undefined ? undefined : seen.get(deduplicationId);
    if (previous && Date.now() - previous.at < windowMs) {
      // QStash accepts a duplicate, answers with the first message's id and a 202, and delivers nothing.
      record(202, { messageId: previous.messageId, deduplicated: true });
      return { status: 202, body: { messageId: previous.messageId, deduplicated: true } };
    }
    const message: QstashMessage = {
      messageId: `msg_${randomBytes(16).toString('base64url')}`,
      destination,
      method: headers['upstash-method'] ?? 'POST',
      body: body.toString('utf8'),
      headers: delivered,
      deduplicationId,
      retries,
      state: 'pending',
      attempts: [],
    };
    if (deduplicationId !== undefined) seen.set(deduplicationId, { messageId: message.messageId, at: Date.now() });
    messages.push(message);
    const delivery = deliver(message, body).finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
    record(201, { messageId: message.messageId });
    return { status: 201, body: { messageId: message.messageId } };
  }

  async function deliver(message: QstashMessage, body: Buffer): Promise<void> {
    for (let retried = 0; !stopping.signal.aborted; retried++) {
      const attempt = await attemptDelivery(message, body, retried);
      message.attempts.push(attempt);
      if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
        message.state = 'delivered';
        return;
      }
      if (attempt.nonRetryable || retried >= message.retries) break;
      await sleep((options.backoffMs ?? ((n) => 10 * 2 ** (n - 1)))(retried + 1), stopping.signal);
    }
    message.state = 'failed';
  }

  async function attemptDelivery(message: QstashMessage, body: Buffer, retried: number): Promise<DeliveryAttempt> {
    const url = options.route ? options.route(message.destination) : message.destination;
    const headers: Record<string, string> = {
      ...message.headers,
      'user-agent': 'Upstash-QStash',
      'upstash-message-id': message.messageId,
      'upstash-retried': String(retried),
      // Signed afresh for each delivery, as QStash does: `sub` is the destination, not the routed URL.
      'upstash-signature': signQstash({ key: options.signingKey, url: message.destination, body }),
    };
    const timeout = AbortSignal.timeout(options.deliveryTimeoutMs ?? 10_000);
    try {
      const res = await fetch(url, {
        method: message.method,
        headers,
        body: ['GET', 'HEAD'].includes(message.method) ? undefined : new Uint8Array(body),
        signal: AbortSignal.any([timeout, stopping.signal]),
      });
      await res.arrayBuffer();
      return { url, retried, status: res.status, nonRetryable: res.headers.get('upstash-nonretryable-error') === 'true', headers };
    } catch {
      return { url, retried, status: null, nonRetryable: false, headers };
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    publishes: () => [...publishes],
    messages: () => [...messages],
    async idle() {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
    },
    stop: () =>
      (stopped ??= (async () => {
        stopping.abort();
        await Promise.all([...deliveries]);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
      })()),
  };
}

/** What the destination receives besides QStash's headers: Content-Type, and `Upstash-Forward-<Name>` as `<Name>`. */
function deliveredHeaders(headers: Record<string, string>): Record<string, string> {
  const delivered: Record<string, string> = {};
  if (headers['content-type']) delivered['content-type'] = headers['content-type'];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('upstash-forward-')) delivered[name.slice('upstash-forward-'.length)] = value;
  }
  return delivered;
}

/** Content-based deduplication: destination, body, Content-Type and the forwarded headers (QStash's fields). */
function contentId(destination: string, body: Buffer, headers: Record<string, string>): string {
  const hash = createHash('sha256').update(destination).update('\0').update(body);
  for (const name of Object.keys(headers).sort()) hash.update(`\0${name}:${headers[name]}`);
  return `content:${hash.digest('hex')}`;
}

/** The destination as the SDK puts it in the path (`http://host/path`), or percent-encoded as curl users do. */
function parseDestination(raw: string): string | undefined {
  const text = /^https?%3A/i.test(raw) ? decodeURIComponent(raw) : raw;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? text : undefined;
  } catch {
    return undefined;
  }
}

function isLocal(destination: string): boolean {
  const { protocol, hostname } = new URL(destination);
  return protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost');
}

function lowerCaseHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
