import { buildApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const { app, close } = buildApp(config);
const server = app.listen(config.port, () => {
  process.stdout.write(`example app listening on http://localhost:${config.port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => void close().then(() => process.exit(0))));
}
