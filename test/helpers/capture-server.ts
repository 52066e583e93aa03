import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './listen.js';

export interface CapturedRequest {
  method: string;
  /** Path and query, as requested. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** How the endpoint answers its n-th request (0-based); default 200. */
export type Answerer = (request: CapturedRequest, index: number) => Answer;

export interface CaptureServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  requests(): CapturedRequest[];
  setAnswer(answerer: Answerer): void;
  stop(): Promise<void>;
}

/** An HTTP endpoint that records every request it gets: a webhook receiver for tests. */
export async function startCaptureServer(answerer: Answerer = () => ({ status: 200 })): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  let answer = answerer;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const captured: CapturedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(captured);
      const { status, headers, body } = answer(captured, requests.length - 1);
      res.writeHead(status, headers);
      res.end(body ?? '');
    });
  });
  await listen(server, 0);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => [...requests],
    setAnswer(next) {
      answer = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
