import { HttpError } from './errors.js';

/**
 * The cross-origin write rule. Browsers send a cross-site POST without asking first when it
 * looks like a form or a Blob, with the victim's cookies; such a request carries `Origin` (and
 * `Sec-Fetch-Site`), while servers, scripts and curl send neither. So a write that carries an
 * Origin is taken only from an origin listed in `allowedOrigins`, compared as scheme, host and
 * port together.
 *
 * The request's own `Host` proves nothing: under DNS rebinding the attacker's name resolves to
 * this server, and the browser sends `Origin: http://evil.example:8080` with
 * `Host: evil.example:8080`, which match. Only the operator knows which origins are theirs.
 */
export type OriginCheck = (request: Request) => void;

/** `https://admin.example.com` for any URL of that origin; undefined for `null`, junk and non-http(s). */
export function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the check for writes from `allowedOrigins` (already validated as http(s) origins). */
export function originCheck(allowedOrigins: readonly string[]): OriginCheck {
  const allowed = new Set(allowedOrigins.map(originOf).filter((o): o is string => o !== undefined));
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin !== null) {
      const from = originOf(origin);
      if (from !== undefined && allowed.has(from)) return;
      throw new HttpError(403, 'FORBIDDEN', `cross-origin writes are refused; list the page's origin (scheme, host and port) in allowedOrigins to permit it`);
    }
    // No Origin: not a browser, or one whose fetch metadata still says where it came from.
    const site = request.headers.get('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') {
      throw new HttpError(403, 'FORBIDDEN', 'cross-origin writes are refused; list the origin in allowedOrigins to permit it');
    }
  };
}
