import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log record. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["upstash-signature"]',
  'headers.authorization',
  'headers["upstash-signature"]',
  '*.secretAccessKey',
  '*.password',
  '*.token',
  '*.R2_SECRET_ACCESS_KEY',
  '*.QSTASH_CURRENT_SIGNING_KEY',
  '*.QSTASH_NEXT_SIGNING_KEY',
  '*.UPSTASH_REDIS_REST_TOKEN',
  '*.METRICS_TOKEN',
  '*.QSTASH_TOKEN',
  '*.DATABASE_URL',
  '*.REDIS_URL',
];

/** The one logger factory: JSON on stdout (or the given stream), secrets redacted. */
export function createLogger(
  config: { LOG_LEVEL: string },
  service: 'api' | 'worker' | 'migrate' | 'import-file' | 'demo' | 'bench',
  destination?: NodeJS.WritableStream,
): Logger {
  const options = {
    level: config.LOG_LEVEL,
    base: { service, pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination as never) : pino(options);
}
