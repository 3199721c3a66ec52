/** What {@link watchLoop} runs and how long it waits between runs. */
export interface WatchOptions<T> {
  /** Time between the end of one check and the start of the next, in ms. */
  interval: number;
  /** One check; `signal` aborts its requests when the loop is stopped. */
  run(signal: AbortSignal): Promise<T>;
  /** Called with each finished check (and the one before, undefined the first time). */
  report(current: T, previous: T | undefined): void;
  /** Stops the loop: an abort during a check drops that check; during the wait ends it at once. */
  signal: AbortSignal;
}

/** Resolves after `ms`, or at once when `signal` aborts (the timer is cleared either way). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs a check, reports it, waits `interval`, and again, until `signal` aborts. Checks never
 * overlap (the wait starts when a check ends), and a check cut short by the abort is not
 * reported: Ctrl-C ends the loop with the last complete check as the final word.
 */
export async function watchLoop<T>(options: WatchOptions<T>): Promise<void> {
  let previous: T | undefined;
  while (!options.signal.aborted) {
    const current = await options.run(options.signal);
    if (options.signal.aborted) break;
    options.report(current, previous);
    previous = current;
    await pause(options.interval, options.signal);
  }
}
