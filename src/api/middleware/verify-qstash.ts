import { Receiver } from '@upstash/qstash';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors.js';

export interface QstashKeys {
  currentSigningKey: string;
  nextSigningKey: string;
  clockToleranceSeconds: number;
  /** The URL QStash was told to call; its `sub` claim must match when set. */
  url?: string;
}

/**
 * Verifies `Upstash-Signature` over the raw body with the current and next signing keys. Any
 * failure, including a malformed token the SDK throws a TypeError for, is a 401: QStash keeps
 * retrying, so a signing-key mix-up recovers once it is fixed.
 */
export function verifyQstash(keys: QstashKeys): RequestHandler {
  // devMode false: a stray QSTASH_DEV in the environment must never swap in the SDK's dev keys.
  const receiver = new Receiver({
    currentSigningKey: keys.currentSigningKey,
    nextSigningKey: keys.nextSigningKey,
    devMode: false,
  });
  return async (req, _res, next) => {
    const signature = req.get('upstash-signature');
    if (!signature) throw new HttpError(401, 'missing Upstash-Signature header');
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const valid = await receiver
      .verify({ signature, body, url: keys.url, clockTolerance: keys.clockToleranceSeconds })
      .catch(() => false);
    if (!valid) throw new HttpError(401, 'invalid or expired signature');
    next();
  };
}
