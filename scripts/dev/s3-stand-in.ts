/** The S3 stand-in the tests trust (fauxqs behind test/helpers/s3-server.ts), as a process of `npm run dev`. */
import { startS3Server } from '../../test/helpers/s3-server.js';
import { serveStandIn, standInArgs } from './stand-in-process.js';

const args = standInArgs('port', 'bucket');
await serveStandIn(async () => {
  const s3 = await startS3Server({ port: Number(args.port), bucket: args.bucket });
  return { url: s3.endpoint, stop: () => s3.stop() };
});
