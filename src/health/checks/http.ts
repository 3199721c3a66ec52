import { z } from 'zod';
import { positiveDurationSchema } from '../../core/duration.js';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import { MASKED, maskSecrets, maskUrls, MIN_SECRET_LENGTH, urlSecrets } from '../../core/redact.js';
import type { HealthCheck, HealthCheckContext } from '../types.js';

const statusCode = z.number().int().min(100).max(599);

/** Options of {@link httpCheck}. */
export const httpCheckOptionsSchema = z.strictObject({
  /** Status(es) that count as healthy (default: any 2xx). */
  expectStatus: z.union([statusCode, z.array(statusCode).min(1)]).optional(),
  /**
   * Own time budget of the request (ms or `'1s'`), on the monitor's clock. Without it the
   * registration's `timeout` applies (its signal aborts the request either way).
   */
  timeout: positiveDurationSchema.optional(),
  /** `GET` (default) or `HEAD`. */
  method: z.enum(['GET', 'HEAD']).default('GET'),
  /** Request headers, e.g. an auth token for a protected health endpoint. */
  headers: z.record(z.string(), z.string()).optional(),
});

/** Options of {@link httpCheck} as callers pass them. */
export type HttpCheckOptions = z.input<typeof httpCheckOptionsSchema>;

/**
 * A check that requests `url` with the global `fetch` and expects a 2xx (or `expectStatus`).
 * Messages show the URL without credentials or query string, since health answers are often
 * public.
 *
 * @example monitor.health.register('payments', checks.http('https://api.stripe.com/healthcheck', { timeout: '1s' }), { critical: false })
 */
export function httpCheck(url: string | URL, options: HttpCheckOptions = {}): HealthCheck {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    // Not the parser's error as cause: Node's carries the whole URL as `input`.
    throw new ConfigError(`checks.http: url: not a valid URL, got ${shownUrl(String(url))}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new ConfigError(`checks.http: url: must be http: or https:, got "${target.protocol}"`);
  const o = parseOptions(httpCheckOptionsSchema, options, 'checks.http options');
  const expected = o.expectStatus === undefined ? undefined : ([] as number[]).concat(o.expectStatus);
  const shown = `${o.method} ${target.protocol}//${target.host}${target.pathname}`;
  const headers: Record<string, string> = { ...o.headers };
  // fetch refuses URLs with credentials (and its error would echo them): send them as Basic auth.
  if (target.username !== '' || target.password !== '') {
    const hasAuth = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
    if (!hasAuth) headers.authorization = `Basic ${base64(`${credential(target.username, 'user')}:${credential(target.password, 'password')}`)}`;
    target.username = '';
    target.password = '';
  }
  const href = target.href;
  // fetch's own error for a header it cannot send quotes the value ("sekrit\0tok" is an invalid
  // header value), and health answers are often public: refuse it here, naming the header only.
  for (const [name, value] of Object.entries(headers)) checkHeader(name, value);
  // What a failure's reason must not show (the URL's user, password, path and query values, the
  // header values), whatever a fetch implementation puts in its errors.
  const secrets = [...urlSecrets(String(url)), ...Object.values(headers).filter((v) => v.length >= MIN_SECRET_LENGTH)];

  return async (ctx: HealthCheckContext) => {
    const { signal, timedOut, release } = budget(ctx, o.timeout);
    let response: Response;
    try {
      response = await follow(href, o.method, headers, signal);
    } catch (error) {
      if (timedOut()) return { status: 'unhealthy', message: `${shown}: no answer within ${o.timeout} ms` };
      // Any URL the reason quotes (a redirect's, a proxy's) shows its scheme and host only.
      return { status: 'unhealthy', message: `${shown} failed: ${maskUrls(maskSecrets(reason(error), secrets, MASKED), MASKED)}` };
    } finally {
      release();
    }
    // Free the connection: only the status matters.
    await response.body?.cancel().catch(() => undefined);
    const ok = expected === undefined ? response.status >= 200 && response.status < 300 : expected.includes(response.status);
    const details = { statusCode: response.status };
    if (ok) return { status: 'healthy', details };
    return { status: 'unhealthy', message: `${shown} answered ${response.status}, expected ${expected?.join(' or ') ?? '2xx'}`, details };
  };
}

/**
 * An unparsable URL as an error may show it: not at all when it has an `@` (user info, so maybe a
 * password), else up to its query or fragment (tokens live there), at most 200 characters.
 */
function shownUrl(text: string): string {
  if (text.includes('@')) return '(value not shown: it may hold a password)';
  return JSON.stringify(text.split(/[?#]/, 1)[0]!.slice(0, 200));
}

/**
 * A URL's user or password, percent-decoded. Malformed encoding (`%E0%A4%A`) is a ConfigError
 * naming the part, never the value (it is a secret): decodeURIComponent would throw a bare
 * URIError, and sending the text undecoded would authenticate as someone else.
 */
function credential(text: string, part: 'user' | 'password'): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigError(`checks.http: url: the ${part} holds malformed percent-encoding (write "%" as "%25")`);
  }
}

/** Throws a ConfigError naming header `name` (never its value) when fetch could not send it. */
function checkHeader(name: string, value: string): void {
  try {
    new Headers([[name, value]]);
  } catch {
    // The name is the caller's own configuration, not a secret; the value may be one.
    throw new ConfigError(`checks.http: headers: ${JSON.stringify(name.slice(0, 100))} is not a valid header name, or its value holds a character a header cannot carry (a control character or one past U+00FF)`);
  }
}

/** Redirects a check follows before it answers unhealthy with the last 3xx. */
const MAX_REDIRECTS = 5;

/**
 * Requests `href`, following up to {@link MAX_REDIRECTS} redirects itself: fetch's own
 * `redirect: 'follow'` drops `Authorization` on a hop to another origin but forwards every other
 * header (an `x-api-key`), so a hop to another origin is made without the configured headers.
 */
async function follow(href: string, method: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  const origin = new URL(href).origin;
  let url = href;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(url).origin === origin;
    const response = await fetch(url, { method, headers: sameOrigin ? headers : {}, signal, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null || hop === MAX_REDIRECTS) return response;
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return response;
    }
    // fetch refuses a URL with credentials, quoting it whole in its error: not followed.
    if ((next.protocol !== 'http:' && next.protocol !== 'https:') || next.username !== '' || next.password !== '') return response;
    await response.body?.cancel().catch(() => undefined);
    url = next.href;
  }
}

/** An abort signal for one request: the registration's signal, plus the check's own timeout if set. */
function budget(ctx: HealthCheckContext, timeout: number | undefined): { signal: AbortSignal; timedOut: () => boolean; release: () => void } {
  if (timeout === undefined) return { signal: ctx.signal, timedOut: () => false, release: () => undefined };
  const controller = new AbortController();
  let expired = false;
  const onAbort = (): void => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = ctx.clock.setTimeout(() => {
    expired = true;
    controller.abort();
  }, timeout, { keepAlive: true }); // bounded, and awaited by a health answer (see run-checks.ts)
  return {
    signal: controller.signal,
    timedOut: () => expired,
    release: () => {
      ctx.clock.clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    },
  };
}

/** The useful part of a fetch failure: undici says "fetch failed" and puts "connect ECONNREFUSED ..." in `cause`. */
function reason(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e.message !== '' && !parts.some((p) => p.includes(e.message))) parts.push(e.message);
  }
  return parts.length === 0 ? String(error) : parts[parts.length - 1]!;
}

/** Base64 of the UTF-8 bytes of `text` (btoa alone throws past Latin-1); works on edge runtimes too. */
function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}
