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
  return asciiEmail(value, at) ?? unicodeEmail(value, at);
}

function unicodeEmail(value: string, at: number): boolean {
  const local = value.slice(0, at);
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..') || !EMAIL_LOCAL.test(local)) return false;
  const labels = value.slice(at + 1).split('.');
  return labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!);
}

const DOT = 46;
const HYPHEN = 45;
/** The ASCII characters `EMAIL_LOCAL` takes besides the dot. */
const LOCAL_ASCII = new Uint8Array(128);
for (const c of "!#$%&'*+/=?^_`{|}~-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") LOCAL_ASCII[c.charCodeAt(0)] = 1;
const isAsciiAlnum = (c: number) => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);

/**
 * `unicodeEmail`'s answer for an address of ASCII characters, by one scan instead of its regular
 * expressions (email columns are checked per row); undefined at the first character beyond ASCII,
 * where `\p{L}` and `\p{N}` decide. Every false here is a rule `unicodeEmail` would break too.
 */
function asciiEmail(value: string, at: number): boolean | undefined {
  if (at > 64) return false;
  for (let i = 0; i < at; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128) return undefined;
    if (c === DOT) {
      if (i === 0 || i === at - 1 || value.charCodeAt(i - 1) === DOT) return false;
    } else if (LOCAL_ASCII[c] !== 1) return false;
  }
  let labels = 0;
  let labelStart = at + 1;
  let allDigits = true;
  for (let i = labelStart; i <= value.length; i++) {
    const c = i === value.length ? DOT : value.charCodeAt(i);
    if (c >= 128) return undefined;
    if (c === DOT) {
      const length = i - labelStart;
      if (length === 0 || length > 63 || value.charCodeAt(i - 1) === HYPHEN) return false;
      labels++;
      if (i < value.length) {
        labelStart = i + 1;
        allDigits = true;
      }
    } else if (isAsciiAlnum(c)) allDigits &&= c <= 57;
    else if (c !== HYPHEN || i === labelStart) return false;
    else allDigits = false;
  }
  return labels >= 2 && !allDigits;
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
