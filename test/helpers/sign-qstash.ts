import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface SignQstashInput {
  /** A signing key, used as its UTF-8 bytes (as QStash does). */
  key: string;
  /** The destination URL QStash delivers to; becomes `sub`. */
  url: string;
  /** The raw request body, byte for byte as it will be sent. */
  body: string | Buffer;
  /** Signing time in ms since the epoch (Date.now() when absent). */
  now?: number;
  /** Seconds until `exp`; QStash uses 5 minutes. Negative makes an already expired token. */
  expiresIn?: number;
  /** Added to or replacing the standard claims; `undefined` removes one (e.g. `{ body: undefined }`). */
  claims?: Record<string, unknown>;
}

/** The `Upstash-Signature` header value QStash would send: an HS256 JWT over the body's SHA-256. */
export function signQstash(input: SignQstashInput): string {
  const iat = Math.floor((input.now ?? Date.now()) / 1000);
  const payload = {
    iss: 'Upstash',
    sub: input.url,
    exp: iat + (input.expiresIn ?? 300),
    nbf: iat,
    iat,
    jti: `jwt_${randomBytes(12).toString('hex')}`,
    body: createHash('sha256').update(input.body).digest('base64url'),
    ...input.claims,
  };
  const signingInput = `${json64({ alg: 'HS256', typ: 'JWT' })}.${json64(payload)}`;
  const signature = createHmac('sha256', Buffer.from(input.key, 'utf8')).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

const json64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
