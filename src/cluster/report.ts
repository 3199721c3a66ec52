import { parseOptions } from '../core/options.js';
import type { Monitor } from '../monitor.js';
import { captureState } from './capture.js';
import { requirePrimary } from './endpoint.js';
import { reportToPrimaryOptionsSchema, type ReportToPrimaryOptions } from './options.js';
import { decode, encode, isEnvelope, type WorkerMessage } from './protocol.js';

/** The worker's monitor, which {@link reportToPrimary} answers for. */
export type ReportingMonitor = Monitor;

/** The primary's requests are a few dozen characters; anything longer is not one. */
const MAX_REQUEST_BYTES = 4_096;

/**
 * Makes this worker (a `cluster` worker, a forked child or a worker thread) answer its primary:
 * at each scrape the primary asks for the worker's cumulative metric state (counter and gauge
 * values, histogram bucket counts, sums and counts) and merges it with every other worker's; before
 * its `getAggregatedMetrics` it asks the worker to write its open slot (`monitor.flush()`). The
 * worker announces itself when called, and again whenever the primary asks (a primary that
 * attached late). Listens until the monitor closes or the returned function is called (a
 * listener on the IPC channel keeps a process or thread alive: close the monitor to let it end);
 * then sends its final state, which the primary keeps (see `maxRetiredSeries`).
 * Throws a `ConfigError` in a process without a primary (and no `port`); never throws afterwards:
 * a state that cannot be read or sent is answered with the reason, and the primary counts it.
 */
export function reportToPrimary(monitor: ReportingMonitor, options: ReportToPrimaryOptions = {}): () => void {
  const o = parseOptions(reportToPrimaryOptionsSchema, options, 'invalid reportToPrimary options');
  const endpoint = requirePrimary('reportToPrimary', o.port);
  const send = (message: WorkerMessage): boolean => {
    const envelope = encode(message, o.maxMessageBytes);
    if (envelope !== undefined) return endpoint.send(envelope);
    if (message.t === 'bye') return message.families !== undefined && send({ t: 'bye' });
    if (message.t !== 'state') return false;
    // Too large to send: the primary hears why instead of waiting for its timeout.
    return send({ t: 'failed', c: message.c, id: message.id, message: `the metric state passes maxMessageBytes (${o.maxMessageBytes})` });
  };
  const hello = (): boolean => send({ t: 'hello', instanceId: monitor.instanceId });

  const receive = (raw: unknown): void => {
    if (!isEnvelope(raw)) return;
    const decoded = decode(raw, MAX_REQUEST_BYTES);
    if (!('message' in decoded)) return;
    const { t, c, id } = decoded.message;
    if (typeof c !== 'string' || (t !== 'probe' && typeof id !== 'number')) return;
    if (t === 'probe') hello();
    else if (t === 'collect') {
      try {
        send({ t: 'state', c, id: id as number, families: captureState(monitor) });
      } catch (error) {
        // A throwing collect callback is caught by the gauge; this is anything else (a bug).
        monitor.reportError(error);
        send({ t: 'failed', c, id: id as number, message: error instanceof Error ? error.message : String(error) });
      }
    } else if (t === 'flush') {
      // flush() never rejects; `buffered` tells the primary whether every rollup got through.
      void monitor.flush().then(() => send({ t: 'flushed', c, id: id as number, buffered: monitor.bufferedRollups }));
    }
  };

  const stopListening = endpoint.onMessage(receive);
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    stopListening();
    unhook();
    // The final state, so the primary keeps this worker's totals exactly rather than as of the last scrape.
    let families: unknown;
    try {
      families = captureState(monitor);
    } catch {
      families = undefined;
    }
    send(families === undefined ? { t: 'bye' } : { t: 'bye', families });
  };
  const unhook = monitor.onClose(stop);
  hello();
  return stop;
}
