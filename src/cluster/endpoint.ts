import { isMainThread, parentPort, type MessagePort, type Worker as ThreadWorker } from 'node:worker_threads';
import type { Worker as ClusterWorker } from 'node:cluster';
import type { ChildProcess } from 'node:child_process';
import { ConfigError } from '../core/errors.js';

/**
 * One end of a channel to another process or thread, whatever node API carries it: a `cluster`
 * worker, a `worker_threads` Worker, a forked `ChildProcess` or a `MessagePort` on one side; the
 * process's own IPC channel or `parentPort` on the other.
 */
export interface Endpoint {
  /** Names the other end: the cluster worker id, the thread id, the pid. */
  readonly label: string;
  /** Sends `message`; false when the channel is closed (never throws). */
  send(message: unknown): boolean;
  /** Listens for messages until the returned function is called. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Calls `listener` once when the other end is gone (exited, disconnected, closed). */
  onGone(listener: () => void): () => void;
}

/** What the primary (or main thread) can attach: a cluster worker, a thread, a forked child, a port. */
export type WorkerHandle = ClusterWorker | ThreadWorker | ChildProcess | MessagePort;

type Emitter = {
  on(event: string, fn: (...args: never[]) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
};

function listen(target: Emitter, event: string, fn: (...args: never[]) => void): () => void {
  target.on(event, fn);
  return () => void target.off(event, fn);
}

function onceOf(target: Emitter, events: readonly string[], listener: () => void): () => void {
  let done = false;
  const fire = (): void => {
    if (done) return;
    done = true;
    stop();
    listener();
  };
  const stops = events.map((e) => listen(target, e, fire));
  const stop = (): void => stops.forEach((s) => s());
  return stop;
}

function trySend(send: () => unknown): boolean {
  try {
    send();
    return true;
  } catch {
    // ERR_IPC_CHANNEL_CLOSED and the like: the other end is going away.
    return false;
  }
}

function ignore(): void {}

let ports = 0;

/** An endpoint on the primary's side for `handle`; throws a ConfigError for anything else. */
export function workerEndpoint(handle: WorkerHandle): Endpoint {
  const h = handle as unknown as Record<string, unknown> & Emitter;
  if (typeof h.postMessage === 'function') {
    // A worker_threads Worker has a threadId; a bare MessagePort does not.
    const thread = typeof h.threadId === 'number';
    const label = thread ? String(h.threadId) : `port-${++ports}`;
    const post = h.postMessage as (m: unknown) => void;
    return {
      label,
      send: (m) => trySend(() => post.call(handle, m)),
      onMessage: (fn) => listen(h, 'message', fn as (...args: never[]) => void),
      onGone: (fn) => onceOf(h, thread ? ['exit'] : ['close'], fn),
    };
  }
  if (typeof h.send === 'function') {
    // A cluster Worker carries its ChildProcess as `process` and a numeric `id`.
    const cluster = typeof h.id === 'number' && typeof h.process === 'object';
    const pid = (cluster ? (h.process as { pid?: number }).pid : (h.pid as number | undefined)) ?? 0;
    const label = cluster ? String(h.id) : String(pid);
    const send = h.send as (m: unknown, callback: (error: unknown) => void) => boolean;
    const connected = cluster ? () => (h.isConnected as () => boolean).call(handle) : () => h.connected === true;
    return {
      label,
      // With a callback, a send on a channel closing meanwhile reports to it instead of emitting
      // 'error' (which would throw in the primary if nobody listened). `false` from send() is
      // back-pressure, not failure: the message is queued.
      send: (m) => connected() && trySend(() => send.call(handle, m, ignore)),
      onMessage: (fn) => listen(h, 'message', fn as (...args: never[]) => void),
      onGone: (fn) => onceOf(h, ['exit', 'disconnect'], fn),
    };
  }
  throw new ConfigError('attach: expected a cluster worker, a worker_threads Worker, a forked ChildProcess or a MessagePort');
}

/**
 * The endpoint to the primary from inside a worker: `port` when given, else `parentPort` in a
 * worker thread, else the process's IPC channel (a cluster worker, a forked child); undefined in
 * a process that has none of these.
 */
export function primaryEndpoint(port?: MessagePort): Endpoint | undefined {
  if (port !== undefined) return workerEndpoint(port);
  if (!isMainThread && parentPort !== null) {
    const p = parentPort;
    return {
      label: 'main',
      send: (m) => trySend(() => p.postMessage(m)),
      onMessage: (fn) => listen(p as unknown as Emitter, 'message', fn as (...args: never[]) => void),
      onGone: (fn) => onceOf(p as unknown as Emitter, ['close'], fn),
    };
  }
  if (typeof process.send === 'function') {
    return {
      label: 'primary',
      send: (m) => process.connected && trySend(() => process.send!(m, undefined, undefined, ignore)),
      onMessage: (fn) => listen(process as unknown as Emitter, 'message', fn as (...args: never[]) => void),
      onGone: (fn) => onceOf(process as unknown as Emitter, ['disconnect'], fn),
    };
  }
  return undefined;
}

/** The endpoint to the primary, or a ConfigError naming the call that needed it. */
export function requirePrimary(what: string, port?: MessagePort): Endpoint {
  const endpoint = primaryEndpoint(port);
  if (endpoint === undefined) {
    throw new ConfigError(`${what}: this process has no primary to report to (not a cluster worker, a forked child or a worker thread); pass a MessagePort as \`port\``);
  }
  return endpoint;
}
