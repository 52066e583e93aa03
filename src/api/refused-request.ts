import { JobId, type RequestIssue } from '../shared/contract.js';
import { ImportError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { JobStatus } from '../shared/status/job-status.js';
import type { StatusStore } from '../shared/status/status-store.js';
import type { HttpError } from './errors.js';

export interface RefusedRequestDeps {
  /** Whether the queue holds a job of this id (BullMQ's getJob; structural, so this module needs no BullMQ import). */
  queue: { getJob(jobId: string): Promise<unknown> };
  status: StatusStore;
  log: Logger;
}

/**
 * A signed request the api refused with a 400 becomes a `failed` status document with code
 * REQUEST_INVALID and the issues, when its jobId can be read (DESIGN §3): the app's waitForImport
 * ends at once with the reason, instead of waiting for a job that will never come. Never over a
 * job that exists (a refused redelivery must not fail it), and never failing the answer itself:
 * the 400 stands whatever the store does. No callback: the refused request's `callbackUrl` may be
 * the very thing that was wrong.
 */
export async function recordRefusedRequest(deps: RefusedRequestDeps, body: Buffer, refusal: HttpError): Promise<void> {
  const jobId = readableJobId(body);
  if (jobId === undefined) return;
  const log = deps.log.child({ jobId });
  try {
    if ((await deps.status.read(jobId)) || (await deps.queue.getJob(jobId))) return;
    const issues = requestIssues(refusal);
    const error = new ImportError('REQUEST_INVALID', `the import request was refused: ${namedIssues(issues).join('; ') || 'it is not a valid import request'}`);
    await new JobStatus({ jobId, attempt: 0, queuedAt: new Date().toISOString() }, deps.status, log).refused(error, issues);
  } catch (err) {
    log.warn({ err }, 'could not record the refused request in its status document');
  }
}

function readableJobId(body: Buffer): string | undefined {
  try {
    const parsed = JobId.safeParse((JSON.parse(body.toString('utf8')) as { jobId?: unknown } | null)?.jobId);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The zod issues a 400 carries in its body, as plain data. */
export function requestIssues(refusal: HttpError): RequestIssue[] {
  const issues = Array.isArray(refusal.body.issues) ? (refusal.body.issues as { code?: unknown; path?: unknown; message?: unknown }[]) : [];
  return issues.map((i) => ({
    code: String(i.code),
    path: Array.isArray(i.path) ? i.path.map((p: unknown) => (typeof p === 'number' ? p : String(p))) : [],
    message: String(i.message),
  }));
}

/** Each bad field by its path, so the app (and the operator) can see which one to fix. */
export const namedIssues = (issues: RequestIssue[]): string[] => issues.map((i) => `${i.path.join('.') || '(the request)'}: ${i.message}`);
