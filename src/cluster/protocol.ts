/**
 * The messages a primary (or main thread) and its workers exchange over node's own IPC
 * (`process.send`, `cluster` worker messages, `MessagePort`). Every message is an envelope
 * `{ pulsewatch: PROTOCOL, body }` whose body is a JSON string:
 * - the envelope tells ours apart from the application's own messages on the same channel;
 * - `cluster` IPC serializes as JSON by default, which turns `Infinity` into `null`: numbers
 *   that are not finite travel as `{ "$num": "Infinity" }` and come back as they were;
 * - the receiver checks the body's length before parsing it, so a bound on bytes holds.
 */

/** Tag and version of the protocol: a worker of another pulsewatch version is told apart. */
export const PROTOCOL = 'pulsewatch.cluster/1';

/** One message on the wire. */
export interface Envelope {
  pulsewatch: typeof PROTOCOL;
  body: string;
}

/**
 * What the primary sends a worker. `c` names the sender (an aggregator or a storage client), so
 * two of them on one channel never take each other's answers.
 */
export type PrimaryMessage =
  | { t: 'probe'; c: string }
  | { t: 'collect'; c: string; id: number }
  | { t: 'flush'; c: string; id: number }
  | { t: 'result'; c: string; id: number; ok: true; value: unknown }
  | { t: 'result'; c: string; id: number; ok: false; error: RemoteError };

/** What a worker sends its primary. */
export type WorkerMessage =
  | { t: 'hello'; instanceId: string }
  | { t: 'bye'; families?: unknown }
  | { t: 'state'; c: string; id: number; families: unknown }
  | { t: 'flushed'; c: string; id: number; buffered: number }
  | { t: 'failed'; c: string; id: number; message: string }
  | { t: 'call'; c: string; id: number; op: string; args: unknown[] };

/** A storage failure as it crosses the channel: the fields the recorder acts on. */
export interface RemoteError {
  message: string;
  permanent?: boolean | undefined;
  rejected?: number[] | undefined;
}

/** Why a received envelope was not read. */
export type DecodeProblem = 'too_large' | 'invalid';

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { $num: String(value) } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$num') {
      const n = (value as { $num: unknown }).$num;
      if (n === 'Infinity') return Infinity;
      if (n === '-Infinity') return -Infinity;
      if (n === 'NaN') return NaN;
    }
  }
  return value;
}

/** Wraps `message` in an envelope; undefined when its body would pass `maxBytes` characters. */
export function encode(message: PrimaryMessage | WorkerMessage, maxBytes: number): Envelope | undefined {
  const body = JSON.stringify(message, replacer);
  return body.length > maxBytes ? undefined : { pulsewatch: PROTOCOL, body };
}

/** True when `message` is one of ours (whatever its body holds). */
export function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && (message as { pulsewatch?: unknown }).pulsewatch === PROTOCOL;
}

/**
 * The body of an envelope as an object with a string `t`, or why it could not be read: longer
 * than `maxBytes` characters (checked before parsing), not JSON, or not a message.
 */
export function decode(envelope: Envelope, maxBytes: number): { message: Record<string, unknown> & { t: string } } | { problem: DecodeProblem } {
  const body: unknown = envelope.body;
  if (typeof body !== 'string') return { problem: 'invalid' };
  if (body.length > maxBytes) return { problem: 'too_large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body, reviver);
  } catch {
    return { problem: 'invalid' };
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { t?: unknown }).t !== 'string') return { problem: 'invalid' };
  return { message: parsed as Record<string, unknown> & { t: string } };
}

/** A short random tag for a sender (see {@link PrimaryMessage}). */
export function senderTag(): string {
  return Math.random().toString(36).slice(2, 10);
}
