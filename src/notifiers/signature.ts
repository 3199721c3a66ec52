/**
 * HMAC-SHA256 signatures of webhook bodies, with WebCrypto (Node 20+, browsers, edge runtimes).
 *
 * The signed string is `${timestamp}.${body}`: the timestamp (Unix seconds, sent in
 * {@link SIGNATURE_TIMESTAMP_HEADER}) is part of what is signed, so a receiver that rejects old
 * timestamps also rejects replayed requests, and an attacker cannot change it without the secret.
 */

/** Header holding `v1=<hex HMAC-SHA256>`; a receiver accepts the request if any `v1` value matches. */
export const SIGNATURE_HEADER = 'x-pulsewatch-signature';
/** Header holding the Unix time in seconds when the request was signed (each attempt is signed anew). */
export const SIGNATURE_TIMESTAMP_HEADER = 'x-pulsewatch-timestamp';
/** Default age, in seconds, past which {@link verifyWebhookSignature} rejects a request. */
export const DEFAULT_SIGNATURE_TOLERANCE = 300;

const encoder = new TextEncoder();

/** Imports `secret` as an HMAC-SHA256 key for signing and verifying. */
export function importSigningKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** The value of {@link SIGNATURE_HEADER} for `body` signed at `timestamp` (Unix seconds). */
export async function signWebhookBody(secret: string | CryptoKey, timestamp: number, body: string | Uint8Array): Promise<string> {
  const key = typeof secret === 'string' ? await importSigningKey(secret) : secret;
  const mac = await crypto.subtle.sign('HMAC', key, signedBytes(timestamp, body));
  return `v1=${toHex(new Uint8Array(mac))}`;
}

/** Input of {@link verifyWebhookSignature}. */
export interface VerifyWebhookSignatureInput {
  /** The secret given to `webhookNotifier({ secret })`. */
  secret: string;
  /** The raw request body, exactly as received (before JSON parsing). */
  body: string | Uint8Array;
  /** The {@link SIGNATURE_TIMESTAMP_HEADER} header. */
  timestamp: string | null | undefined;
  /** The {@link SIGNATURE_HEADER} header. */
  signature: string | null | undefined;
  /** Oldest accepted age (and most accepted clock skew), in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The receiver's time in ms since the epoch. Default `Date.now()`. */
  now?: number;
}

/**
 * True when the request was signed with `secret` over these exact bytes, and its timestamp is
 * within `toleranceSeconds` of `now`. The comparison is WebCrypto's `verify`, constant-time.
 */
export async function verifyWebhookSignature(input: VerifyWebhookSignatureInput): Promise<boolean> {
  const { secret, body, timestamp, signature } = input;
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(timestamp.trim())) return false;
  const seconds = Number(timestamp.trim());
  const now = (input.now ?? Date.now()) / 1000;
  if (Math.abs(now - seconds) > (input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE)) return false;
  const key = await importSigningKey(secret);
  const data = signedBytes(seconds, body);
  for (const part of signature.split(',')) {
    const [scheme, hex] = part.trim().split('=', 2);
    if (scheme !== 'v1' || hex === undefined) continue;
    const mac = fromHex(hex);
    if (mac !== undefined && (await crypto.subtle.verify('HMAC', key, mac, data))) return true;
  }
  return false;
}

function signedBytes(timestamp: number, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestamp}.`);
  const rest = typeof body === 'string' ? encoder.encode(body) : body;
  const out = new Uint8Array(prefix.length + rest.length);
  out.set(prefix);
  out.set(rest, prefix.length);
  return out;
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
