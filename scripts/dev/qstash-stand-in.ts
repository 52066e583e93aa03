/**
 * The QStash stand-in the tests trust (test/helpers/qstash-server.ts), as a process of `npm run dev`:
 * it delivers to this machine only, signed with the current signing key, and retries a failed
 * delivery 3 times after 1, 2 and 4 s (QStash waits longer; a developer should not).
 */
import { startQstashServer } from '../../test/helpers/qstash-server.js';
import { serveStandIn, standInArgs } from './stand-in-process.js';

const args = standInArgs('port', 'token', 'signing-key');
await serveStandIn(() =>
  startQstashServer({
    port: Number(args.port),
    token: args.token,
    signingKey: args['signing-key'],
    localDestinationsOnly: true,
    retries: 3,
    backoffMs: (retry) => 1000 * 2 ** (retry - 1),
  }),
);
