/**
 * Waiting on real time, for the few tests whose subject is real time itself: the real event
 * loop, a real server's clock (a Redis TTL), a child process starting. Everything a ManualClock
 * can drive waits on `clock.idle()` or on the promise that means "done" instead.
 */

/** Resolves after one turn of the real event loop (its timers, I/O and check phases). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Calls `read` once per event-loop turn until `done(value)` holds, and returns that value.
 * Fails after `limitMs` of real time, naming `what`, so a broken test does not hang.
 */
export async function pollUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, limitMs = 5_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${limitMs} ms`);
    await nextTurn();
  }
}
