import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AppConfig } from './config.js';

/** The app's side of the upload: the user's file goes to the bucket the service reads from. */
export function createUploads(config: AppConfig['s3']) {
  const s3 = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    // A local S3 (npm run dev, MinIO) has no per-bucket host names; R2 accepts both styles.
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // The SDK's newer defaults send uploads aws-chunked with a CRC32 trailer, which R2 has rejected.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    async put(key: string, body: Buffer): Promise<void> {
      await s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body }));
    },
    close: () => s3.destroy(),
  };
}
