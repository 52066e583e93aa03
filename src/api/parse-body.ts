import type { z } from 'zod';
import { HttpError, NON_RETRYABLE } from './errors.js';

/** A webhook's raw body against its schema; a body that fails is a 400 QStash must not retry. */
export function parseBody<S extends z.ZodType>(schema: S, body: Buffer, what: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON', { body: { issues: [] }, headers: NON_RETRYABLE });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new HttpError(400, `invalid ${what}`, { body: { issues: parsed.error.issues }, headers: NON_RETRYABLE });
  }
  return parsed.data;
}
