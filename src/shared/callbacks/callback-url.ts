/**
 * Whether a job's `callbackUrl` lies under one of `CALLBACK_URL_PREFIXES` (DESIGN §3). Both the
 * URL as sent and as a URL parser reads it must match: `https://app.example.com/hooks/../admin`
 * starts with `https://app.example.com/hooks/` but is not under it. No prefixes: none is allowed.
 */
export function isAllowedCallbackUrl(url: string, prefixes: readonly string[]): boolean {
  if (!URL.canParse(url)) return false;
  const normalised = new URL(url).href;
  return prefixes.some((prefix) => startsWithPrefix(url, prefix) && startsWithPrefix(normalised, prefix));
}

// A prefix whose port is `*` (http://localhost:*/) stands for every explicit port: a developer's
// app may listen on any port of their own machine (`npm run dev` allows the loopback hosts so).
const ANY_PORT = ':*/';

function startsWithPrefix(url: string, prefix: string): boolean {
  const at = prefix.indexOf(ANY_PORT);
  if (at < 0) return url.startsWith(prefix);
  const host = prefix.slice(0, at);
  const path = prefix.slice(at + ':*'.length);
  const port = /^:\d{1,5}/.exec(url.slice(host.length))?.[0];
  return url.startsWith(host) && port !== undefined && url.slice(host.length + port.length).startsWith(path);
}
