/**
 * Whether a job's `callbackUrl` lies under one of `CALLBACK_URL_PREFIXES` (DESIGN §3). Both the
 * URL as sent and as a URL parser reads it must match: `https://app.example.com/hooks/../admin`
 * starts with `https://app.example.com/hooks/` but is not under it. No prefixes: none is allowed.
 */
export function isAllowedCallbackUrl(url: string, prefixes: readonly string[]): boolean {
  if (!URL.canParse(url)) return false;
  const normalised = new URL(url).href;
  return prefixes.some((prefix) => url.startsWith(prefix) && normalised.startsWith(prefix));
}
