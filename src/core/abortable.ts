/**
 * Calls `start` (a sync throw becomes a rejection) and settles with it, or rejects as soon as
 * `signal` aborts, with the signal's reason, even if the started work ignores the signal: a
 * hanging store or receiver cannot hold its caller past a deadline. The abandoned work settles
 * later, unobserved. Without a signal, it is just `start()` as a promise.
 */
export function abortable<T>(start: () => Promise<T> | T, signal: AbortSignal | undefined): Promise<T> {
  let work: Promise<T>;
  try {
    work = Promise.resolve(start());
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => {}); // keep the abandoned work from becoming an unhandled rejection
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
