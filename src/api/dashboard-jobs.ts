import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { Job, Queue } from 'bullmq';

export interface JobPresentation {
  readOnly: boolean;
  /** Stack traces name our files and lines: for developers, not for a production board. */
  showStackTraces: boolean;
}

/**
 * The import queue as operators read it (DESIGN §14): each job by what it is (list name, file name and
 * key, not the job type every job shares), its progress as the percentage bull-board draws as a
 * ring (with the counts beside it in the Progress tab), and a failure as the `CODE: message` the
 * processor stores, with no stack trace where they are hidden. Presentation only: bull-board runs
 * the formatters on every request, and the stored job is never changed.
 */
export function importQueueAdapter(queue: Queue, presentation: JobPresentation): BullMQAdapter {
  const adapter = presentation.showStackTraces
    ? new BullMQAdapter(queue, { readOnlyMode: presentation.readOnly })
    : new WithoutStackTraces(queue, { readOnlyMode: presentation.readOnly });
  adapter.setFormatter('name', jobTitle);
  adapter.setFormatter('progress', progressPercent);
  return adapter;
}

/**
 * `Contacts · Kunden März.xlsx (uploads/user-42/8f3a.xlsx)`: the file as its user named it, and the
 * key an operator finds it by; `Contacts · uploads/user-42/contacts.csv` when the app sent no
 * file name; the job type when the data is not an import's.
 */
export function jobTitle(job: { name?: string; data?: unknown }): string {
  const request = (job.data as { request?: { list?: { name?: unknown }; source?: { key?: unknown; fileName?: unknown } } } | undefined)?.request;
  const name = typeof request?.list?.name === 'string' ? request.list.name : undefined;
  const key = typeof request?.source?.key === 'string' ? request.source.key : undefined;
  const fileName = typeof request?.source?.fileName === 'string' ? request.source.fileName : undefined;
  const file = fileName && key ? `${fileName} (${key})` : (fileName ?? key);
  return [name, file].filter(Boolean).join(' · ') || (job.name ?? '');
}

/**
 * bull-board draws a ring for a number, or for an object with a numeric `progress`: the object
 * keeps rows and bytes readable in the Progress tab.
 */
export function progressPercent(progress: unknown): unknown {
  if (typeof progress !== 'object' || progress === null || !('percent' in progress)) return progress;
  const { percent, ...counts } = progress as { percent: unknown } & Record<string, unknown>;
  return typeof percent === 'number' ? { progress: percent, ...counts } : progress;
}

/**
 * bull-board has no formatter for stack traces and sends every job's in full; it reads a job
 * through `toJSON()` (formatJob, @bull-board/api dist/handlers/queues.js, 9.10), so the jobs it
 * is handed answer without theirs. Actions (retry, remove, …) still work on the same Job.
 */
class WithoutStackTraces extends BullMQAdapter {
  override async getJob(id: string): Promise<Job | undefined> {
    const job = await super.getJob(id);
    return job && withoutStackTrace(job);
  }

  override async getJobs(...args: Parameters<BullMQAdapter['getJobs']>): Promise<Job[]> {
    return (await super.getJobs(...args)).map(withoutStackTrace);
  }
}

function withoutStackTrace(job: Job): Job {
  const toJSON = job.toJSON.bind(job);
  job.toJSON = () => ({ ...toJSON(), stacktrace: [] });
  return job;
}
