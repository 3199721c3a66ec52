import type { OperationMetrics } from './operation-metrics.js';
import { sqlOperation } from './sql-operation.js';

/** Anything with pg's `query(...)`: a `Client`, a `PoolClient`, a `Pool`. */
export interface PgQueryable {
  query(...args: never[]): unknown;
}

type Callback = (this: unknown, ...args: unknown[]) => unknown;
type Query = (this: unknown, ...args: unknown[]) => unknown;

/** The `code` label of a failed query: its SQLSTATE (`23505`), or `none` (a lost connection, a timeout). */
export function sqlState(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : 'none';
}

/** The SQL text of pg's first `query` argument: a string, or a config or submittable with `text`. */
function textOf(first: unknown): unknown {
  if (typeof first === 'string') return first;
  return typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : undefined;
}

/** Monitors whose wrapper is running its original right now (pg calls `query` synchronously). */
const counting = new Set<object>();

/** Texts longer than this are parsed each time rather than kept as cache keys. */
const MAX_CACHED_TEXT = 1_000;
const MAX_CACHED = 500;

/**
 * The operation of recently seen SQL texts: apps send the same few statements over and over,
 * and a lookup by the same string is cheaper than reading its verb (V8 keeps a string's hash).
 * Bounded: at most MAX_CACHED texts of at most MAX_CACHED_TEXT characters, cleared when full.
 */
export class OperationCache {
  private readonly byText = new Map<string, string>();

  of(text: unknown): string {
    if (typeof text !== 'string' || text.length > MAX_CACHED_TEXT) return sqlOperation(text);
    let operation = this.byText.get(text);
    if (operation === undefined) {
      operation = sqlOperation(text);
      if (this.byText.size >= MAX_CACHED) this.byText.clear();
      this.byText.set(text, operation);
    }
    return operation;
  }
}

/**
 * Replaces `target.query` with a function that times each call into `metrics` and otherwise
 * behaves as pg's: the same arguments reach it, a callback still gets pg's arguments, a promise
 * call gets a promise settling as pg's did (so an unhandled rejection stays unhandled), a sync
 * throw is rethrown. Returns the function that takes the wrapper out again; when something
 * wrapped `query` after us (another monitor, a tracer), the wrapper stays and passes through.
 */
export function wrapQuery(target: PgQueryable, metrics: OperationMetrics, owner: object, operations: OperationCache = new OperationCache()): () => void {
  const host = target as unknown as { query: Query };
  const original = host.query;
  const hadOwn = Object.prototype.hasOwnProperty.call(target, 'query');
  let on = true;
  // The original runs with `owner` marked as counting, so a wrapper of the same monitor under
  // this one (a client instrumented on its own and by its pool) passes the call through.
  const call = (self: unknown, args: unknown[]): unknown => {
    counting.add(owner);
    try {
      return original.apply(self, args);
    } finally {
      counting.delete(owner);
    }
  };
  const wrapper: Query = function (this: unknown, ...args: unknown[]): unknown {
    if (!on || counting.has(owner)) return original.apply(this, args);
    const first = args[0];
    const operation = operations.of(textOf(first));
    const start = metrics.start();
    const done = (error?: unknown): void => metrics.done(operation, start, error === undefined || error === null ? undefined : sqlState(error));
    // pg's signatures: (config, callback) and (config, values, callback).
    const at = typeof args[2] === 'function' ? 2 : typeof args[1] === 'function' ? 1 : -1;
    if (at > 0) {
      const callback = args[at] as Callback;
      args[at] = function (this: unknown, ...results: unknown[]): unknown {
        done(results[0]);
        return callback.apply(this, results);
      };
      return call(this, args);
    }
    if (typeof first === 'object' && first !== null && typeof (first as { submit?: unknown }).submit === 'function') {
      return submitted(call(this, args), done);
    }
    if (typeof first === 'object' && first !== null && typeof (first as { callback?: unknown }).callback === 'function') {
      // A config carrying its own callback: a copy with a timed one (the caller's object is not written to).
      const callback = (first as { callback: Callback }).callback;
      args[0] = { ...first, callback: (...results: unknown[]) => (done(results[0]), callback(...results)) };
      return call(this, args);
    }
    let result: unknown;
    try {
      result = call(this, args);
    } catch (error) {
      done(error ?? 'thrown');
      throw error;
    }
    if (typeof (result as { then?: unknown } | null)?.then !== 'function') return result;
    return (result as Promise<unknown>).then(
      (value) => (done(), value),
      (error: unknown) => {
        done(error ?? 'rejected');
        throw error;
      },
    );
  };
  host.query = wrapper;
  return () => {
    on = false;
    if (host.query !== wrapper) return;
    if (hadOwn) host.query = original;
    else delete (host as { query?: Query }).query;
  };
}

/**
 * A submittable (pg-query-stream, a pg `Query`) is timed to its `end` or `error` event, once.
 * Listening for `error` must not make an error nobody else listens for disappear (an emitter
 * throws an unheard `error`): with no other listener left, ours throws it on, as emit would.
 */
function submitted(result: unknown, done: (error?: unknown) => void): unknown {
  const emitter = result as { once?: (event: string, fn: (error?: unknown) => void) => unknown; listenerCount?: (event: string) => number } | null;
  if (typeof emitter?.once !== 'function') return result;
  let settled = false;
  const settle = (error?: unknown): void => {
    if (settled) return;
    settled = true;
    done(error);
  };
  emitter.once('end', () => settle());
  emitter.once('error', (error) => {
    settle(error ?? 'error');
    // `once` took our listener off before calling it: what is left is the app's.
    if (typeof emitter.listenerCount === 'function' && emitter.listenerCount('error') === 0) throw error;
  });
  return result;
}
