import type { Job } from './job.js';

/** Promise.prototype.then as the module loaded: a promise whose `then` is this one calls back once. */
const nativeThen = Promise.prototype.then;

/** True for a native promise whose `then` is the built-in one (it calls exactly one callback, once). */
export function isNativePromise(value: PromiseLike<unknown>): value is Promise<unknown> {
  return value instanceof Promise && value.then === nativeThen;
}

/**
 * Follows one attempt's promise at a time with callbacks made once, for a queue's pool (no
 * closures per attempt). It goes back to the pool when its promise settles, never earlier, so a
 * late settle (after a timeout) still finds its own job and attempt, which the queue then
 * ignores. Only for native promises: any other thenable may call back twice, or late.
 */
export class Follower {
  job: Job | undefined;
  attempt = 0;
  readonly ok: (value: unknown) => void;
  readonly fail: (thrown: unknown) => void;

  constructor(settle: (follower: Follower, ok: boolean, value: unknown) => void) {
    this.ok = (value) => settle(this, true, value);
    this.fail = (thrown) => settle(this, false, thrown);
  }
}
