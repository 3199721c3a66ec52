/**
 * The text of a driver's failure for a `StorageError`'s message: an `Error`'s message, or the
 * thrown value as a string. Never throws: a thrown value with no string message (123, null, a
 * Symbol, an object whose `toString` throws) made the adapters throw a TypeError of their own
 * instead of rejecting with a StorageError (review R1).
 */
export function causeText(cause: unknown): string {
  try {
    const message = cause instanceof Error ? (cause as { message: unknown }).message : cause;
    return typeof message === 'string' ? message : String(message);
  } catch {
    return 'an error that cannot be shown as text';
  }
}
