import { describe, expect, it } from 'vitest';
import { isEmail } from '../../../src/worker/import-csv/values/string-formats.js';

/** The rules of an email address as regular expressions: what the scan for ASCII addresses must answer alike. */
function emailByRules(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at < 1 || at === value.length - 1 || value.length > 320) return false;
  const local = value.slice(0, at);
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  if (!/^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+$/u.test(local)) return false;
  const labels = value.slice(at + 1).split('.');
  return labels.length >= 2 && labels.every((l) => /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u.test(l)) && !/^\d+$/.test(labels.at(-1)!);
}

/** A deterministic run of pieces that break one rule or another, mostly around plausible addresses. */
function randomAddress(seed: number): string {
  const pieces = ['a', 'Z', '0', '9', 'ann', 'lee', '.', '-', '_', '+', ' ', '"', '@', 'é', 'ß', '٣', 'x'.repeat(62), 'y'.repeat(64), '\t'];
  let state = seed;
  const next = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
  // Mostly letters, now and then any piece: most values are addresses, many break one rule.
  const run = (length: number) => Array.from({ length }, () => (next(6) === 0 ? pieces[next(pieces.length)] : pieces[next(6)])).join('');
  const labels = Array.from({ length: 1 + next(4) }, () => run(1 + next(3)));
  return `${run(1 + next(4))}@${labels.join('.')}`;
}

describe('isEmail', () => {
  it.each([
    ['a@b.co', true],
    ['a.b-c+d@sub.example-1.org', true],
    ['a@b.123', false],
    ['a@b.1-2', true],
    ['a@-b.org', false],
    ['a@b-.org', false],
    ['a@b..org', false],
    ['.a@b.org', false],
    ['a.@b.org', false],
    ['a..b@b.org', false],
    [`${'l'.repeat(64)}@b.org`, true],
    [`${'l'.repeat(65)}@b.org`, false],
    [`a@${'d'.repeat(63)}.org`, true],
    [`a@${'d'.repeat(64)}.org`, false],
    ['a@b.org.', false],
    ['a_b@b.org', true],
    ['a@b_c.org', false],
    ['zoë@exämple.de', true],
    ['a@b.٣', true],
  ])('%j: %s', (value, ok) => {
    expect(isEmail(value)).toBe(ok);
    expect(emailByRules(value)).toBe(ok);
  });

  it('answers as the rules do for any mix of ASCII and other characters', () => {
    let valid = 0;
    for (let seed = 1; seed <= 20_000; seed++) {
      const value = randomAddress(seed);
      expect(isEmail(value), value).toBe(emailByRules(value));
      if (emailByRules(value)) valid++;
    }
    // The mix must reach both answers, or the comparison proves little.
    expect(valid).toBeGreaterThan(2_000);
    expect(valid).toBeLessThan(18_000);
  });
});
