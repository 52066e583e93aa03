import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../src/shared/contract.js';
import { importRequest, startService, uniqueJobId, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ workerEnv: { PROGRESS_REPORT_INTERVAL: '1' } });
});
afterAll(async () => {
  await service?.stop();
});

describe('a signed webhook', () => {
  it('is accepted with 202, imported by the worker, and reported as succeeded through Upstash', async () => {
    const key = `uploads/${uniqueJobId('people')}.csv`;
    await service.s3.storage.put(key, 'id,name,tags\n00123,"Smith, Ann","[1,2]"\n2,Bob,[]\n');
    const jobId = uniqueJobId();

    const res = await service.deliver(importRequest(jobId, key, { list: { name: 'People', ownerId: 'user-1' } }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ jobId, state: 'queued' });

    const status = await service.waitForState(jobId, ['succeeded', 'failed']);
    expect(status.state).toBe('succeeded');
    expect(status.attempt).toBe(1);
    expect(status.finishedAt).toBeDefined();
    const result = status.result as ImportResult;
    expect(result.rows).toBe(2);
    expect(result.columns).toEqual([
      { key: 'id', name: 'id', type: 'string' },
      { key: 'name', name: 'name', type: 'string' },
      { key: 'tags', name: 'tags', type: 'json' },
    ]);

    const { rows } = await service.db.pool.query(
      'select l.name, l.owner_id, r.row_number, r.data from lists l join list_rows r on r.list_id = l.id where l.job_id = $1 order by r.row_number',
      [jobId],
    );
    expect(rows.map((r) => r.data)).toEqual([
      { id: '00123', name: 'Smith, Ann', tags: [1, 2] },
      { id: '2', name: 'Bob', tags: [] },
    ]);
    expect(rows[0]).toMatchObject({ name: 'People', owner_id: 'user-1' });
  });

  it('creates one list when the same jobId is delivered five times at once and again after success', async () => {
    const key = `uploads/${uniqueJobId('dup')}.csv`;
    await service.s3.storage.put(key, 'a,b\n1,2\n');
    const jobId = uniqueJobId('dup');
    const payload = importRequest(jobId, key);

    const answers = await Promise.all(Array.from({ length: 5 }, () => service.deliver(payload)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 202]);

    await service.waitForState(jobId, ['succeeded']);
    const again = await service.deliver(payload);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ jobId, state: 'succeeded' });

    const { rows } = await service.db.pool.query('select count(*)::int as n from lists where job_id = $1', [jobId]);
    expect(rows[0].n).toBe(1);
  });
});
