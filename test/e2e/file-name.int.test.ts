import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListReader } from '../../packages/client/src/lists/index.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

/** `source.fileName` from the webhook to the list and the status document (DESIGN §3). */

let service: TestService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service?.stop());

describe('a webhook request with source.fileName', () => {
  it("is stored on the list, and a failed import's status names the file, never the storage key", async () => {
    const good = uniqueJobId('named');
    const bad = uniqueJobId('named-bad');
    const goodKey = `uploads/${good}.csv`;
    const badKey = `uploads/${bad}.csv`;
    await service.s3.storage.put(goodKey, 'a,b\n1,2\n');
    await service.s3.storage.put(badKey, 'a,b\n1,2,3\n');

    for (const [jobId, key] of [[good, goodKey], [bad, badKey]] as const) {
      const res = await service.deliver(importRequest(jobId, key, { source: { key, fileName: 'Kunden März.csv' } }));
      expect(res.status).toBe(202);
    }
    const failed = await service.waitForState(bad, ['succeeded', 'failed']);
    await service.waitForState(good, ['succeeded', 'failed']);

    expect(failed.error?.message).toMatch(/^"Kunden März\.csv": row 1 \(line 2\) has 3 values/);
    expect(JSON.stringify(failed)).not.toContain(badKey);
    const list = await createListReader({ pool: service.db.pool }).getListByJobId(good);
    expect(list?.fileName).toBe('Kunden März.csv');
  });
});
