import { loadApiConfig, loadOrExit } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { registerShutdown } from '../shared/shutdown.js';
import { createApi } from './create-api.js';

const config = loadOrExit(() => loadApiConfig());
const log = createLogger(config, 'api');
const api = createApi(config, log);
const server = api.app.listen(config.PORT, () => {
  const address = server.address();
  log.info({ port: typeof address === 'object' && address ? address.port : config.PORT }, 'api listening');
});

registerShutdown(
  log,
  [
    ['stop http', () => new Promise<void>((resolve) => server.close(() => resolve()))],
    ['close connections', () => api.close()],
  ],
  10_000,
);
