/**
 * The string formats (DESIGN §5.8): stored as written, checked. Each check is a linear scan or a
 * regular expression without nested repetition, so no value can make it slow.
 */

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const EMAIL_LOCAL = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

export const isUuid = (value: string): boolean => UUID.test(value);

/** An address as people write one: `local@domain.tld`, no spaces, no display name, no comments. */
export function isEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at < 1 || at === value.length - 1 || value.length > 320) return false;
  const local = value.slice(0, at);
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..') || !EMAIL_LOCAL.test(local)) return false;
  const labels = value.slice(at + 1).split('.');
  return labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!);
}

/** An absolute http or https URL with a host, as written (no surrounding spaces). */
export function isUrl(value: string): boolean {
  if (value.length > 8192 || /\s/.test(value) || !/^https?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}
