import type { Authorizer } from './options.js';

const encoder = new TextEncoder();

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value)));
}

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are hashed first, so the
 * comparison takes the same time whatever the length or the first differing byte of a guess.
 * Web Crypto only, so it runs on edge runtimes too.
 */
export function bearerAuthorizer(token: string): Authorizer {
  const expected = digest(token);
  return async (request) => {
    const header = request.headers.get('authorization');
    const match = header === null ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // A missing header still hashes something, so its timing matches a wrong token's.
    const given = await digest(match?.[1] ?? '');
    const want = await expected;
    let diff = match === null ? 1 : 0;
    for (let i = 0; i < want.length; i++) diff |= want[i]! ^ given[i]!;
    return diff === 0;
  };
}
