/**
 * What the `state` role keeps: small learned state (job baselines...) under string keys, first
 * writer wins. The rules every adapter applies before it stores anything, so that a key or value
 * one store takes is taken by all.
 */
import { StorageError } from '../core/errors.js';
import { isWellFormed } from '../core/labels.js';

/** One entry of the state role. */
export interface StateEntry {
  key: string;
  /** The value as written, through JSON (what `JSON.parse(JSON.stringify(value))` gives). */
  value: unknown;
  /** When the entry was written, on the store's clock (ms since the epoch). */
  updatedAt: number;
}

/** Options of `StateStore.readState`. */
export interface ReadStateOptions {
  signal?: AbortSignal | undefined;
  /** At most this many entries, the first in key order (default 1,000; at most 10,000). */
  limit?: number | undefined;
}

/** Longest key (and prefix), in UTF-16 code units. */
export const MAX_STATE_KEY_LENGTH = 512;
/** Largest value: bytes of its JSON text in UTF-8. */
export const MAX_STATE_VALUE_BYTES = 65_536;
/** Entries `readState` returns without a limit, and at most. */
export const DEFAULT_STATE_LIMIT = 1_000;
export const MAX_STATE_LIMIT = 10_000;

/**
 * Checks a key: a non-empty well-formed string of at most {@link MAX_STATE_KEY_LENGTH} characters
 * without U+0000 (PostgreSQL text cannot hold it). Throws a permanent StorageError otherwise.
 */
export function assertStateKey(key: unknown, what = 'key'): asserts key is string {
  if (typeof key !== 'string' || (what === 'key' && key === '') || key.length > MAX_STATE_KEY_LENGTH || !isWellFormed(key) || key.includes('\u0000')) {
    const shown = typeof key === 'string' ? `a string of ${key.length} characters` : typeof key;
    const empty = what === 'key' ? 'non-empty ' : '';
    throw new StorageError(`state ${what} must be a ${empty}well-formed string of at most ${MAX_STATE_KEY_LENGTH} characters without U+0000, got ${shown}`, { permanent: true });
  }
}

/**
 * The JSON text of a value, checked: JSON-serialisable (not undefined, a function, a symbol, a
 * BigInt or a cycle) and at most {@link MAX_STATE_VALUE_BYTES} bytes. Throws a permanent
 * StorageError otherwise: the same value can never be stored.
 */
export function stateJson(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new StorageError(`state value is not JSON-serialisable: ${cause instanceof Error ? cause.message : String(cause)}`, { permanent: true, cause });
  }
  if (json === undefined) throw new StorageError(`state value is not JSON-serialisable (${typeof value})`, { permanent: true });
  const bytes = utf8Length(json);
  if (bytes > MAX_STATE_VALUE_BYTES) throw new StorageError(`state value is ${bytes} bytes of JSON, more than ${MAX_STATE_VALUE_BYTES}`, { permanent: true });
  return json;
}

/** The number of entries to read for `limit`: the default when absent, between 0 and {@link MAX_STATE_LIMIT}. */
export function stateLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_STATE_LIMIT;
  if (typeof limit !== 'number' || Number.isNaN(limit)) throw new StorageError('readState: limit must be a number', { permanent: true });
  return Math.max(0, Math.min(MAX_STATE_LIMIT, Math.floor(limit)));
}

/**
 * The smallest string above every string that starts with `prefix`, in code point order (its
 * last code point plus one); undefined when there is none (a prefix of U+10FFFF only).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    let next = points.pop()!.codePointAt(0)! + 1;
    if (next === 0xd800) next = 0xe000; // surrogates are not code points of a well-formed string
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** Bytes of `text` in UTF-8 (no Buffer: the main entry runs where Node's globals do not). */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
