// A small client of seed 003's REST API (the monitoring handler at /api/monitoring), as the
// CodeMentor dashboard and operators call it: bearer token, JSON in and out.

/** An HTTP answer: status and parsed JSON body. */
export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** Calls `<base><path>` with the token; JSON body when `body` is given. */
export function client(base: string, token: string): (method: string, path: string, body?: unknown) => Promise<Answer<any>> {
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}
