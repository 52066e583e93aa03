import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/shared/contract.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ env: { JOB_ATTEMPTS: '3' } });
});
afterAll(async () => {
  await service?.stop();
});

describe('storage refusing the credentials (a key rotated under the workers)', () => {
  it('retries the job, showing what to fix meanwhile, and imports it once storage lets it read again', async () => {
    const key = `uploads/${uniqueJobId('rotated')}.csv`;
    await service.s3.storage.put(key, 'a,b\n1,2\n3,4\n');
    // The S3 client does not retry a 403 itself: the first attempt's HEAD fails, the second gets through.
    service.s3.faults.set(key, { kind: 'status', status: 403, times: 1 });
    const jobId = uniqueJobId('access-denied');
    let retrying: StatusDocument | undefined;
    const watching = (async () => {
      for (;;) {
        const s = await service.status(jobId);
        if (s?.state === 'retrying') retrying ??= s;
        if (s?.state === 'succeeded' || s?.state === 'failed') return s;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    expect((await service.deliver(importRequest(jobId, key))).status).toBe(202);

    const final = await watching;
    expect(final).toMatchObject({ state: 'succeeded', attempt: 2, result: { rows: 2 } });
    expect(retrying?.error).toMatchObject({ code: 'ACCESS_DENIED', retryable: true });
    expect(retrying?.error?.message).toContain('check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY');
  });
});
