import { loadMigrateConfig, loadOrExit } from '../config.js';
import { createLogger } from '../logger.js';
import { runMigrations } from './migrate.js';

const config = loadOrExit(() => loadMigrateConfig());
const log = createLogger(config, 'migrate');
try {
  await runMigrations(config.DATABASE_URL);
  log.info('migrations applied');
} catch (err) {
  log.fatal({ err }, 'migrations failed');
  process.exitCode = 1;
}
