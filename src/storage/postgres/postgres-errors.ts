import { StorageError } from '../../core/errors.js';
import { applyEdits, connectionPasswords, type Edit, keywordPasswordEdits, MASKED, secretEdits, throughJsonEscapes, urlPasswordEdits } from '../../core/redact.js';
import { causeText } from '../cause-text.js';

/**
 * True for SQLSTATE class 22, "data exception" (22P05 an untranslatable Unicode escape in jsonb,
 * 22021 a byte sequence UTF-8 refuses, 22003 a number out of range, 22008 a datetime out of
 * range...): the statement's data is at fault, so the same statement fails again however often
 * it is retried. See https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isDataException(sqlstate: string): boolean {
  return /^22[0-9A-Z]{3}$/.test(sqlstate);
}

/**
 * True for SQLSTATE class 54, "program limit exceeded" (54000: an index row too large, as a
 * 6 KB metric name once made; 54001: a statement too complex): the same statement fails again,
 * and a smaller batch may not.
 */
export function isProgramLimit(sqlstate: string): boolean {
  return /^54[0-9A-Z]{3}$/.test(sqlstate);
}

/**
 * The StorageError an adapter call rejects with, wrapping pg's error. A data exception or a
 * program limit (above) is the data's fault and fails again however often it is retried:
 * permanent (the recorder then splits the batch). Everything else (connection, timeout, lock,
 * shutdown) is transient. A StorageError (closed, a bad argument) passes as it is.
 */
export function storageFailure(label: string, what: string, cause: unknown, secrets: readonly string[] = []): StorageError {
  if (cause instanceof StorageError) return cause;
  const reason = redactPostgres(causeText(cause), secrets);
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  const permanent = typeof code === 'string' && (isDataException(code) || isProgramLimit(code));
  const sqlstate = permanent ? ` (SQLSTATE ${code}: the data is invalid, retrying cannot help)` : '';
  return new StorageError(`${label}: ${what} failed: ${reason}${sqlstate}`, { cause, permanent });
}

/** The URL schemes whose `user:password@` part is masked, and read as a connection's password. */
const POSTGRES_SCHEMES = ['postgres', 'postgresql'];

/**
 * `message` without secrets: every occurrence of each of `secrets` (the connection's password)
 * and any password a connection string in it holds. pg's own messages do not echo the password
 * today; a driver, a proxy or a wrapped error may, and errors travel to logs and events.
 */
export function redactPostgres(message: string, secrets: readonly string[]): string {
  // Each looks at the message as given and the union is masked: one masking first broke what
  // the next looked for (a pattern cut a known `ab cd` to `***cd`; a known `postgres` or
  // `password` masked first left `***://u:pw@h` or `***=pw`, no longer a URL or a setting).
  return applyEdits(message, redactPostgresEdits(message, secrets));
}

/** The edits {@link redactPostgres} makes to `message` (ranges of it as given, in no particular order). */
export function redactPostgresEdits(message: string, secrets: readonly string[]): Edit[] {
  // The URLs and settings also as a JSON string quoted in the message reads them (`password=\"a b\"`).
  // A view with escapes undone is a JSON string's content: its closing quote ends a YAML block.
  const patterns = (text: string, level: number, step?: Int32Array): Edit[] => urlPasswordEdits(text, POSTGRES_SCHEMES, MASKED).concat(keywordPasswordEdits(text, MASKED, step ?? level > 0));
  return [...secretEdits(message, secrets, MASKED), ...throughJsonEscapes(message, patterns)];
}

/** The secrets a connection string or pool configuration holds (its password, raw and URL-decoded), to keep out of messages. */
export function connectionSecrets(connectionString: string | undefined, poolPassword: unknown): string[] {
  const secrets: string[] = [];
  if (typeof poolPassword === 'string') secrets.push(poolPassword);
  if (connectionString !== undefined) secrets.push(...connectionPasswords(connectionString, POSTGRES_SCHEMES));
  // Longest first: a secret that holds another is replaced whole.
  return [...new Set(secrets)].sort((a, b) => b.length - a.length);
}
