/**
 * The example app's settings: the ones `npm run dev` writes to .dev/app.env (the same names an app
 * deployed against the real services would use), and the app's own port.
 */
export interface AppConfig {
  port: number;
  /** Where QStash reaches this app: the callback URL is built on it. */
  publicUrl: string | undefined;
  workerUrl: string;
  databaseUrl: string;
  s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  qstash: { url: string; token: string; currentSigningKey: string; nextSigningKey: string };
  upstash: { url: string; token: string };
  statusKeyPrefix: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const missing: string[] = [];
  const required = (name: string) => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? '';
  };
  const config: AppConfig = {
    port: Number(env.APP_PORT ?? 4000),
    publicUrl: env.APP_PUBLIC_URL,
    workerUrl: required('CSV_IMPORT_WORKER_URL'),
    databaseUrl: required('DATABASE_URL'),
    s3: {
      endpoint: required('S3_ENDPOINT'),
      region: env.S3_REGION ?? 'auto',
      bucket: required('S3_BUCKET'),
      accessKeyId: required('S3_ACCESS_KEY_ID'),
      secretAccessKey: required('S3_SECRET_ACCESS_KEY'),
    },
    qstash: {
      url: required('QSTASH_URL'),
      token: required('QSTASH_TOKEN'),
      currentSigningKey: required('QSTASH_CURRENT_SIGNING_KEY'),
      nextSigningKey: required('QSTASH_NEXT_SIGNING_KEY'),
    },
    upstash: { url: required('UPSTASH_REDIS_REST_URL'), token: required('UPSTASH_REDIS_REST_TOKEN') },
    statusKeyPrefix: env.CSV_IMPORT_STATUS_KEY_PREFIX,
  };
  if (missing.length) throw new Error(`missing settings: ${missing.join(', ')} (npm run dev writes them to .dev/app.env)`);
  return config;
}
