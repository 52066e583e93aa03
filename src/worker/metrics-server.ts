import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger.js';
import { metricsHandler, type MetricsSource } from '../shared/metrics/metrics-handler.js';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker's own `/metrics` (each worker is its own Prometheus target): plain node http, since
 * a worker serves nothing else. Every other path is a 404.
 */
export async function startMetricsServer(source: MetricsSource, options: { port: number; token?: string; log: Logger }): Promise<MetricsServer> {
  const handle = metricsHandler(source, options.token, (err) => options.log.warn({ err }, 'metrics scrape failed'));
  const server = createServer((req, res) => {
    if (req.method === 'GET' && new URL(req.url ?? '/', 'http://worker').pathname === '/metrics') return void handle(req, res);
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.log.info({ port }, 'metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
