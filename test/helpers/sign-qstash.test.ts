import { Receiver, SignatureError } from '@upstash/qstash';
import { describe, expect, it } from 'vitest';
import { signQstash } from './sign-qstash.js';

const CURRENT = 'sig_current_test_key_0123456789';
const NEXT = 'sig_next_test_key_9876543210';
const URL = 'https://imports.example.test/qstash/import';
const BODY = JSON.stringify({ jobId: 'job-1', source: { key: 'uploads/zoë.csv' }, list: { name: 'Zoë' } });

// devMode false: the Receiver must never swap in its built-in dev keys, whatever the environment.
const receiver = new Receiver({ currentSigningKey: CURRENT, nextSigningKey: NEXT, devMode: false });
const verify = (signature: string, overrides: { body?: string; url?: string; clockTolerance?: number } = {}) =>
  receiver.verify({ signature, body: BODY, url: URL, ...overrides });

const decodePart = (token: string, index: number) =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('signQstash', () => {
  it('signs a token the real Receiver accepts with the current key', async () => {
    await expect(verify(signQstash({ key: CURRENT, url: URL, body: BODY }))).resolves.toBe(true);
  });

  it('signs a token the real Receiver accepts with the next key, as during key rotation', async () => {
    await expect(verify(signQstash({ key: NEXT, url: URL, body: BODY }))).resolves.toBe(true);
  });

  it('hashes the body as bytes, so a Buffer signs the same as its UTF-8 string', async () => {
    await expect(verify(signQstash({ key: CURRENT, url: URL, body: Buffer.from(BODY, 'utf8') }))).resolves.toBe(true);
  });

  it('writes the header and claims QStash writes', () => {
    const token = signQstash({ key: CURRENT, url: URL, body: BODY, now: 1_700_000_000_500 });
    expect(decodePart(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodePart(token, 1)).toMatchObject({
      iss: 'Upstash',
      sub: URL,
      iat: 1_700_000_000,
      nbf: 1_700_000_000,
      exp: 1_700_000_300,
      jti: expect.any(String),
    });
  });

  it('makes a token signed with another key fail verification', async () => {
    await expect(verify(signQstash({ key: 'someone-elses-key', url: URL, body: BODY }))).rejects.toBeInstanceOf(SignatureError);
  });

  it('makes an expired token fail verification', async () => {
    const token = signQstash({ key: CURRENT, url: URL, body: BODY, now: Date.now() - 600_000, expiresIn: 300 });
    await expect(verify(token)).rejects.toThrow(SignatureError);
  });

  it('lets clock tolerance accept a token that expired moments ago', async () => {
    const token = signQstash({ key: CURRENT, url: URL, body: BODY, now: Date.now() - 302_000, expiresIn: 300 });
    await expect(verify(token)).rejects.toThrow(SignatureError);
    await expect(verify(token, { clockTolerance: 5 })).resolves.toBe(true);
  });

  it('makes a token that is not valid yet fail verification', async () => {
    const token = signQstash({ key: CURRENT, url: URL, body: BODY, claims: { nbf: Math.floor(Date.now() / 1000) + 3_600 } });
    await expect(verify(token)).rejects.toThrow(SignatureError);
  });

  it('makes a token for another URL fail verification', async () => {
    const token = signQstash({ key: CURRENT, url: 'https://elsewhere.example.test/qstash/import', body: BODY });
    await expect(verify(token)).rejects.toThrow(/invalid subject/);
  });

  it('makes a tampered body fail verification', async () => {
    const token = signQstash({ key: CURRENT, url: URL, body: BODY });
    await expect(verify(token, { body: BODY.replace('job-1', 'job-2') })).rejects.toThrow(/body hash does not match/);
  });

  it('makes a token without a body claim fail verification (as a TypeError, not a SignatureError)', async () => {
    const token = signQstash({ key: CURRENT, url: URL, body: BODY, claims: { body: undefined } });
    expect(decodePart(token, 1)).not.toHaveProperty('body');
    await expect(verify(token)).rejects.toThrow(TypeError);
  });
});
