import { randomBytes } from 'node:crypto';
import { startFauxqs } from 'fauxqs';
import type { StorageConfig } from '../../src/shared/config.js';
import { createStorage, type Storage } from '../../src/shared/storage.js';
import { startFaultyProxy, type Faults } from './faulty-proxy.js';

export type { Fault, Faults } from './faulty-proxy.js';

export interface S3TestServer {
  /** The fault proxy's address: what every client under test must use. */
  endpoint: string;
  bucket: string;
  config: StorageConfig;
  /** The same values as strings, for loadWorkerConfig and child processes. */
  env: Record<string, string>;
  /** A client through the proxy, for putting fixtures and checking what is left. */
  storage: Storage;
  faults: Faults;
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  idleTimeoutMs?: number;
  /** Default: a fresh `test-…` name. */
  bucket?: string;
  /** The endpoint's port; default 0, any free one. */
  port?: number;
}

/**
 * fauxqs 1.9.2 in-process (2.x needs Node ≥ 22.5) with one fresh bucket, behind a proxy that can
 * make the store fail, stall, reset or lie about a size for chosen keys.
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
  const fauxqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const bucket = options.bucket ?? `test-${randomBytes(6).toString('hex')}`;
  fauxqs.createBucket(bucket);
  const proxy = await startFaultyProxy({ host: '127.0.0.1', port: fauxqs.port, bucket }, options.port);
  const config: StorageConfig = {
    R2_ACCOUNT_ID: undefined,
    S3_ENDPOINT: proxy.endpoint,
    // fauxqs checks no signatures; these only have to be present.
    R2_ACCESS_KEY_ID: 'test-access-key',
    R2_SECRET_ACCESS_KEY: 'test-secret-key',
    R2_BUCKET_NAME: bucket,
    STORAGE_IDLE_TIMEOUT_MS: options.idleTimeoutMs ?? 2_000,
  };
  const storage = createStorage(config);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: proxy.endpoint,
    bucket,
    config,
    env: {
      S3_ENDPOINT: proxy.endpoint,
      R2_ACCESS_KEY_ID: config.R2_ACCESS_KEY_ID,
      R2_SECRET_ACCESS_KEY: config.R2_SECRET_ACCESS_KEY,
      R2_BUCKET_NAME: bucket,
      STORAGE_IDLE_TIMEOUT_MS: String(config.STORAGE_IDLE_TIMEOUT_MS),
    },
    storage,
    faults: proxy.faults,
    stop: () =>
      (stopped ??= (async () => {
        storage.close();
        await proxy.stop();
        await fauxqs.stop();
      })()),
  };
}
