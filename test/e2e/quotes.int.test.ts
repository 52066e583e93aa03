import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../src/shared/contract.js';
import { QUOTE_CASES } from '../helpers/quote-cases.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

/** Issue 15's quoting shapes through the service: webhook, worker, S3 stand-in, status document, list. */

let service: TestService;
beforeAll(async () => {
  service = await startService();
});
afterAll(async () => {
  await service?.stop();
});

describe('the service reads quotes strictly', () => {
  for (const c of QUOTE_CASES) {
    it(c.name, async () => {
      const key = `uploads/${uniqueJobId('quotes')}.csv`;
      await service.s3.storage.put(key, c.file);
      const jobId = uniqueJobId('quotes');
      const res = await service.deliver(importRequest(jobId, key, c.csv ? { csv: c.csv } : {}));
      expect(res.status).toBe(202);
      const status = await service.waitForState(jobId, ['succeeded', 'failed']);

      if ('error' in c.expect) {
        expect(status.state).toBe('failed');
        expect(status.error).toMatchObject({ code: c.expect.error, retryable: false });
        expect(status.error!.message).toMatch(c.expect.message);
        expect(status.error!.message).toContain(key);
        const { rows } = await service.db.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
        expect(rows[0].n).toBe(0);
        return;
      }
      expect(status.error).toBeUndefined();
      expect(status.state).toBe('succeeded');
      expect((status.result as ImportResult).quote).toBe(c.expect.quote);
      expect(status.preview?.quote).toBe(c.expect.quote);
      const { rows } = await service.db.pool.query(
        'select r.data from lists l join list_rows r on r.list_id = l.id where l.job_id = $1 order by r.row_number',
        [jobId],
      );
      expect(rows.map((r) => r.data)).toEqual(c.expect.rows);
    });
  }
});
