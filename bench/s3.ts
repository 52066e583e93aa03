import { open } from 'node:fs/promises';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startFauxqs } from 'fauxqs';

/** fauxqs refuses request bodies over 11 MiB, so files go up as multipart uploads of this size. */
const PART_BYTES = 8 * 1024 * 1024;

export interface BenchS3 {
  endpoint: string;
  bucket: string;
  /** The storage variables a worker (or the reference) needs to read the bucket. */
  env: Record<string, string>;
  upload(key: string, path: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The in-process S3 stand-in (fauxqs 1.9.2), in the bench process itself: it serves the object
 * from memory, and its CPU shows up as the bench's own ("harness") CPU, reported separately.
 */
export async function startBenchS3(): Promise<BenchS3> {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const bucket = 'csv-import-bench';
  const client = createBenchS3Client(endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    env: {
      S3_ENDPOINT: endpoint,
      // fauxqs checks no signatures; these only have to be present.
      R2_ACCESS_KEY_ID: 'bench-access-key',
      R2_SECRET_ACCESS_KEY: 'bench-secret-key',
      R2_BUCKET_NAME: bucket,
    },
    upload: (key, path) => uploadFile(client, bucket, key, path),
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}

/** Path-style, and no aws-chunked CRC32 trailers (PROTOCOLS.md: stand-ins mishandle them). */
export function createBenchS3Client(endpoint: string): S3Client {
  return new S3Client({
    region: 'auto',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench-access-key', secretAccessKey: 'bench-secret-key' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function uploadFile(client: S3Client, bucket: string, key: string, path: string): Promise<void> {
  const file = await open(path);
  try {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'text/csv' }));
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    const buffer = Buffer.alloc(PART_BYTES);
    for (let part = 1; ; part++) {
      const { bytesRead } = await file.read(buffer, 0, PART_BYTES, null);
      if (bytesRead === 0 && part > 1) break;
      const body = Buffer.from(buffer.subarray(0, bytesRead));
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: part, Body: body, ContentLength: bytesRead }));
      parts.push({ ETag, PartNumber: part });
      if (bytesRead < PART_BYTES) break;
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  } finally {
    await file.close();
  }
}
