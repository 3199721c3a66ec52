import { StorageError } from '../../core/errors.js';
import { applyEdits, type Edit, MASKED, secretEdits, throughJsonEscapes, urlPasswordEdits } from '../../core/redact.js';
import { causeText } from '../cause-text.js';

/** The URL schemes whose `user:password@` part is masked wherever it appears in a message. */
const REDIS_SCHEMES = ['redis', 'rediss'];

/**
 * Removes secrets from a message: every occurrence of each string in `secrets` (the URL's
 * password and user info) and any `user:password@` part of a Redis URL.
 */
export function redactRedis(message: string, secrets: readonly string[]): string {
  // Both look at the message as given and the union is masked: the URL scanner masking first
  // cut a known one (a multi-host reading of `p@ss,v:word`), a known `redis` masking first left
  // `***://u:pw@h`, no longer a URL.
  return applyEdits(message, redactRedisEdits(message, secrets));
}

/** The edits {@link redactRedis} makes to `message` (ranges of it as given, in no particular order). */
export function redactRedisEdits(message: string, secrets: readonly string[]): Edit[] {
  // The URLs also as a JSON string quoted in the message reads them (`redis:\/\/u:pw@h`).
  return [...secretEdits(message, secrets, MASKED), ...throughJsonEscapes(message, (text) => urlPasswordEdits(text, REDIS_SCHEMES, MASKED))];
}

/** Shows a Redis URL with its password masked, for messages. */
export function maskUrl(url: string): string {
  return redactRedis(url, []);
}

/** What {@link toStorageError} needs to know about the connection. */
export interface ErrorContext {
  /** Strings that must never appear in a message (the URL's password). */
  secrets: readonly string[];
  /** The client's status (`ready`, `reconnecting`, ...). */
  status: string;
  /** The last connection error the adapter's own client reported, if any. */
  lastConnectionError: Error | undefined;
}

/**
 * Wraps whatever a Redis call threw into a {@link StorageError} naming the operation, with the
 * original error as `cause`. Messages never carry the URL's password.
 */
export function toStorageError(operation: string, cause: unknown, context: ErrorContext): StorageError {
  if (cause instanceof StorageError) return cause;
  const raw = causeText(cause);
  let message = `RedisStorage: ${operation} failed: ${raw}`;
  if (context.status !== 'ready') {
    const last = context.lastConnectionError;
    const lastText = last === undefined ? undefined : causeText(last);
    message += ` (connection ${context.status}${lastText !== undefined && lastText !== raw ? `: ${lastText}` : ''})`;
  }
  return new StorageError(redactRedis(message, context.secrets), { cause });
}
