import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

// Keys that are JavaScript object machinery are stored and shown like any other (DESIGN §3: the
// preview shows the rows exactly as stored), rather than refused.
let service: TestService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service?.stop());

const MACHINERY = ['__proto__', 'constructor', 'prototype'];

describe('plan keys that are JavaScript object machinery', () => {
  it('stores __proto__, constructor and prototype as keys of each row, and the preview shows the rows exactly as stored', async () => {
    const jobId = uniqueJobId('machinery-keys');
    const key = `uploads/${jobId}.csv`;
    await service.s3.storage.put(key, 'A,B,C,D\na1,b1,c1,{"x":1}\na2,b2,c2,{"__proto__":{"y":2}}\n');
    const columns = [
      { name: 'A', key: '__proto__' },
      { name: 'B', key: 'constructor' },
      { name: 'C', key: 'prototype' },
      { name: 'D', key: 'toString', type: 'json' as const },
    ];
    expect((await service.deliver(importRequest(jobId, key, { columns }))).status).toBe(202);
    const status = await service.waitForState(jobId, ['succeeded', 'failed', 'cancelled']);
    expect(status.state).toBe('succeeded');
    expect(status.result?.columns.map((c) => c.key)).toEqual([...MACHINERY, 'toString']);

    const { rows } = await service.db.pool.query(
      'select r.data::text as data from list_rows r join lists l on l.id = r.list_id where l.job_id = $1 order by r.row_number',
      [jobId],
    );
    const stored = rows.map((r: { data: string }) => JSON.parse(r.data) as Record<string, unknown>);
    expect(stored.map((r) => Object.keys(r).sort())).toEqual([[...MACHINERY, 'toString'].sort(), [...MACHINERY, 'toString'].sort()]);
    expect(Object.entries(stored[0]!)).toEqual(expect.arrayContaining([['__proto__', 'a1'], ['constructor', 'b1'], ['prototype', 'c1']]));
    // Compared as JSON: the status document and the rows, key for key and value for value.
    const sorted = (row: Record<string, unknown>) => JSON.stringify(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(status.preview?.sampleRows.map(sorted)).toEqual(stored.map(sorted));
  });
});
