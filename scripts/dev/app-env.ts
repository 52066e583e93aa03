import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The settings a main app needs to talk to this service, by the names the app guide uses. */
export interface AppEnv {
  CSV_IMPORT_WORKER_URL: string;
  DATABASE_URL: string;
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  QSTASH_URL: string;
  QSTASH_TOKEN: string;
  QSTASH_CURRENT_SIGNING_KEY: string;
  QSTASH_NEXT_SIGNING_KEY: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  CSV_IMPORT_STATUS_KEY_PREFIX: string;
}

/**
 * dotenv lines, each value double-quoted so that `#` or spaces in it survive. dotenv readers
 * (Node's among them) unescape nothing but `\n` there, so a value holding `"` or a line break
 * cannot be written faithfully and is refused.
 */
export function formatAppEnv(env: AppEnv): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (/["\\\r\n]/.test(value)) throw new Error(`${name} holds a quote, backslash or line break; it cannot be written to a dotenv file`);
      return `${name}="${value}"\n`;
    })
    .join('');
}

export async function writeAppEnv(file: string, env: AppEnv): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `# Written by npm run dev: the settings of an app that uses this service locally.\n${formatAppEnv(env)}`);
}
