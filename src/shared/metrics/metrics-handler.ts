import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerMatches } from './bearer.js';

export interface MetricsSource {
  /** The whole scrape, in Prometheus text format. */
  render(): Promise<string>;
  contentType: string;
}

/**
 * `GET /metrics` for node's http server and Express alike: 401 without the bearer token when one
 * is configured, then the scrape. A scrape that fails is a 500 with no detail (the reason goes
 * to `onError`), so a broken exporter shows up as a failed scrape, not as a silent gap.
 */
export function metricsHandler(source: MetricsSource, token: string | undefined, onError: (err: unknown) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' });
      res.end(JSON.stringify({ error: 'a bearer token is required' }));
      return;
    }
    try {
      const text = await source.render();
      res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' });
      res.end(text);
    } catch (err) {
      onError(err);
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'metrics unavailable' }));
    }
  };
}
