/** The Upstash REST stand-in the tests trust (test/helpers/upstash-server.ts), as a process of `npm run dev`. */
import { startUpstashServer } from '../../test/helpers/upstash-server.js';
import { serveStandIn, standInArgs } from './stand-in-process.js';

const args = standInArgs('port', 'redis-url', 'token');
await serveStandIn(() =>
  startUpstashServer({ port: Number(args.port), redisUrl: args['redis-url'], token: args.token }),
);
