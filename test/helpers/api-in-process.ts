import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApi, type Api } from '../../src/api/create-api.js';
import type { ApiConfig } from '../../src/shared/config.js';
import type { Logger } from '../../src/shared/logger.js';

/** A stream a logger writes to, and the lines it got: for tests that read a process's own log. */
export function logSink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines };
}

export interface ListeningApi {
  api: Api;
  server: Server;
  baseUrl: string;
  /** Stops listening, then closes the api's connections. */
  close(): Promise<void>;
}

/** The api (createApi, as main.ts builds it) listening on a free port of 127.0.0.1. */
export async function listenApi(config: ApiConfig, log: Logger): Promise<ListeningApi> {
  const api = createApi(config, log);
  const server = await new Promise<Server>((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    api,
    server,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await api.close();
    },
  };
}
