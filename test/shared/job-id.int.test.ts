import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobId } from '../../src/shared/contract.js';
import { createImportQueue, type ImportJobData } from '../../src/shared/queues.js';
import { createRedis } from '../../src/shared/redis.js';
import { TEST_REDIS_URL } from '../helpers/env.js';

const redis = createRedis(TEST_REDIS_URL, 'worker');
const queue = createImportQueue(redis, `{job-id-${randomBytes(6).toString('hex')}}`);

beforeAll(async () => {
  await queue.waitUntilReady();
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

/** Whether BullMQ itself takes the id: it checks custom ids only when a job is added. */
async function bullmqTakes(jobId: string): Promise<boolean> {
  try {
    await queue.add('probe', {} as ImportJobData, { jobId });
    return true;
  } catch {
    return false;
  }
}

describe('the jobId of the contract', () => {
  it.each(['imp:2024-11-28', 'a:b:c', '-42', '42', '0', '042', '-3.5', '-.3', '3.5', '1e3', 'NaN', 'Infinity', '0x1F', '', 'x'.repeat(129), 'a b', 'a/b', 'zoë', 'a\u0000b'])(
    'refuses %j',
    (jobId) => {
      expect(JobId.safeParse(jobId).success).toBe(false);
    },
  );

  it.each(['imp_2024-11-28.0001', 'imp-2024-11-28', '42a', 'a42', '4.2.1', 'imp_1e3', '-', '.', 'e', 'x'.repeat(128)])('accepts %j', (jobId) => {
    expect(JobId.safeParse(jobId).success).toBe(true);
  });

  it('says why, in words the sender can act on', () => {
    const colon = JobId.safeParse('imp:2024-11-28');
    expect(colon.error?.issues[0]?.message).toMatch(/A-Z a-z 0-9 _ \. -/);
    const integer = JobId.safeParse('-42');
    expect(integer.error?.issues[0]?.message).toMatch(/must not be a number/);
  });

  it('refuses the ids BullMQ refuses, the issue\'s and the negative numbers it fails on', async () => {
    for (const jobId of ['imp:2024-11-28', '-42', '42', '-3.5', '-.3', 'NaN']) {
      expect(await bullmqTakes(jobId), jobId).toBe(false);
      expect(JobId.safeParse(jobId).success, jobId).toBe(false);
    }
  });

  it('accepts only ids that BullMQ takes, over generated ids of digits, signs, dots, exponents and colons', async () => {
    const alphabet = fc.constantFrom(...'0123456789-._eENaIfinityx:'.split(''));
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: alphabet, minLength: 1, maxLength: 8 }), async (jobId) => {
        if (!JobId.safeParse(jobId).success) return;
        accepted++;
        expect(await bullmqTakes(jobId), jobId).toBe(true);
      }),
      { numRuns: 500, seed: 9 },
    );
    // The generator must reach the accepted side often enough for the property to say something.
    expect(accepted).toBeGreaterThan(100);
  });
});
