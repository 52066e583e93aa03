import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { lists } from './schema.js';

/** Whether the job's list was committed: `lists.job_id` is the one record of an import that lasts. */
export async function listCommitted(db: Db, jobId: string): Promise<boolean> {
  const rows = await db.select({ id: lists.id }).from(lists).where(eq(lists.jobId, jobId)).limit(1);
  return rows.length > 0;
}
