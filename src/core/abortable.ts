/**
 * Calls `start` (a sync throw becomes a rejection) and rejects as soon as `signal` aborts, with
 * the signal's reason, even if the started work ignores the signal: a hanging store or receiver
 * cannot hold its caller past a deadline. The abandoned work settles later, unobserved.
 */
export function abortable(start: () => Promise<void> | void, signal: AbortSignal): Promise<void> {
  let work: Promise<void>;
  try {
    work = Promise.resolve(start());
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal.aborted) {
    work.catch(() => {}); // keep the abandoned work from becoming an unhandled rejection
    return Promise.reject(signal.reason);
  }
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
