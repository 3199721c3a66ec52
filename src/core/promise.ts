/** True for a promise or any object with a `then` method (what `await` would wait on). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Does nothing: a stand-in callback. */
export function noop(): void {}
