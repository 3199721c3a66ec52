// The page's calls to the monitoring API: same origin only (the CSP's connect-src 'self'), the
// token from sessionStorage as a bearer header, never in a URL.

const TOKEN_KEY = 'pulsewatch.token';
/** The token when sessionStorage refuses it (private mode): kept until reload only. */
let memoryToken: string | null = null;

/** An answer: its status and its JSON body (undefined when the body is not JSON). */
export interface Answer<T = unknown> {
  status: number;
  body: T | undefined;
}

/** Thrown when the API answered 401: the page asks for a token. */
export class Unauthorized extends Error {
  constructor() {
    super('unauthorized');
    this.name = 'Unauthorized';
  }
}

/** The API's base path: the page lives at `<base>/dashboard`. */
export const apiBase = location.pathname.replace(/\/dashboard\/?$/, '');

export function token(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

export function setToken(value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    // Storage refused (private mode): the token lives until reload only.
  }
  memoryToken = value;
}


function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return t === null ? extra : { ...extra, authorization: `Bearer ${t}` };
}

/** GET `path` (under the API base); 401 throws {@link Unauthorized}, any other status is returned. */
export async function get<T>(path: string): Promise<Answer<T>> {
  const response = await fetch(apiBase + path, { headers: headers({ accept: 'application/json' }), cache: 'no-store', credentials: 'same-origin' });
  if (response.status === 401) throw new Unauthorized();
  const body = (await response.json().catch(() => undefined)) as T | undefined;
  return { status: response.status, body };
}

/** GET `path` as text (the Prometheus exposition). */
export async function getText(path: string): Promise<Answer<string>> {
  const response = await fetch(apiBase + path, { headers: headers({ accept: 'text/plain' }), cache: 'no-store', credentials: 'same-origin' });
  if (response.status === 401) throw new Unauthorized();
  return { status: response.status, body: response.ok ? await response.text() : undefined };
}

/** POST a JSON body; answers the status and the API's error message, if any. */
export function post(path: string, body: unknown): Promise<{ status: number; message?: string }> {
  return send('POST', path, body);
}

/** A write (POST with a JSON body, DELETE without); answers the status and the API's error message, if any. */
export async function send(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; message?: string }> {
  const init: RequestInit = body === undefined ? { method, headers: headers({}), credentials: 'same-origin' } : { method, headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body), credentials: 'same-origin' };
  const response = await fetch(apiBase + path, init);
  const answer = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
  const message = answer?.error?.message;
  return typeof message === 'string' ? { status: response.status, message } : { status: response.status };
}
