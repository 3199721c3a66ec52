/**
 * Labels of an outbound request: its host and method, bounded. The host is the URL's host name
 * (lower case, punycode) and a port that is not the scheme's default; the user name, password,
 * path, query and fragment never reach a label. No `node:` imports: usable on edge runtimes.
 */

/** Host label of a URL that does not parse (fetch will reject it anyway). */
export const INVALID_HOST = 'invalid';

/** Methods kept as they are; any other is `OTHER` (a method is a token anyone can invent). */
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

/** What a URL parser leaves in a host: letters, digits, dots, dashes, an IPv6 literal's brackets and colons. */
const HOST_RE = /^[a-z0-9.\-[\]:_]{1,260}$/;

/** The URL text of fetch's first argument: a string, a URL, or a Request (its `url`). */
export function urlOf(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  if (typeof input === 'object' && input !== null) {
    if (typeof (input as { href?: unknown }).href === 'string') return (input as { href: string }).href;
    if (typeof (input as { url?: unknown }).url === 'string') return (input as { url: string }).url;
  }
  return undefined;
}

/** The host label of `input` (fetch's first argument), or {@link INVALID_HOST}. Never throws. */
export function hostOf(input: unknown): string {
  const text = urlOf(input);
  if (text === undefined) return INVALID_HOST;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return INVALID_HOST;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return url.protocol === 'data:' || url.protocol === 'blob:' ? url.protocol.slice(0, -1) : INVALID_HOST;
  // `url.host` omits the scheme's default port; `hostname` is already lower case and punycode.
  const host = url.host;
  return HOST_RE.test(host) ? host : INVALID_HOST;
}

/** The method label of a request: `init.method`, else the Request's, else GET; upper case, unknown ones `OTHER`. */
export function methodOf(input: unknown, init: unknown): string {
  const fromInit = typeof init === 'object' && init !== null ? (init as { method?: unknown }).method : undefined;
  const fromRequest = typeof input === 'object' && input !== null && typeof (input as { href?: unknown }).href !== 'string' ? (input as { method?: unknown }).method : undefined;
  const method = typeof fromInit === 'string' ? fromInit : typeof fromRequest === 'string' ? fromRequest : 'GET';
  const upper = method.length <= 16 ? method.toUpperCase() : '';
  return METHODS.has(upper) ? upper : 'OTHER';
}
