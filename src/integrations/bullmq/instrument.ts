import { ConfigError, PulsewatchError, StorageError } from '../../core/errors.js';
import type { TimerHandle } from '../../core/clock.js';
import { parseOptions } from '../../core/options.js';
import { JobMetrics, type QueueCounts, type TypeMetrics } from '../../jobs/job-metrics.js';
import type { MetricRegistry } from '../../metrics/registry.js';
import type { Monitor } from '../../monitor.js';
import { bullmqOptionsSchema, type BullJobLike, type BullMQOptions } from './options.js';
import { RetryWaits } from './retry-waits.js';

/** What {@link instrumentBullMQ} returns. */
export interface BullMQInstrumentation {
  /** Reads every queue's counts now (the timer does it every `refresh`); never rejects. */
  refresh(): Promise<void>;
  /** Stops listening and reading; the metrics keep their values. Idempotent. */
  stop(): void;
}

/** BullMQ states read per queue, and which pulsewatch state each feeds. */
const STATES = ['waiting', 'prioritized', 'paused', 'waiting-children', 'active', 'delayed', 'failed'] as const;

/** One queue's latest counts, read by the job gauges when they are collected. */
class CachedCounts implements QueueCounts {
  counts: Partial<Record<(typeof STATES)[number], number>> = {};
  constructor(readonly type: string) {}
  private n(state: (typeof STATES)[number]): number {
    const v = this.counts[state];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
  }
  waiting = (): number => this.n('waiting') + this.n('prioritized') + this.n('paused') + this.n('waiting-children');
  active = (): number => this.n('active');
  delayed = (): number => this.n('delayed');
  // BullMQ keeps no state past its failed set, which is where pulsewatch's dead letters are.
  failed = (): number => 0;
  deadLetter = (): number => this.n('failed');
}

// One JobMetrics per monitor: the job gauges read every type of every instrumented queue.
const shared = new WeakMap<object, { metrics: JobMetrics; types: Map<string, TypeMetrics>; counts: Map<string, CachedCounts> }>();

function metricsOf(monitor: Monitor) {
  let entry = shared.get(monitor);
  if (entry === undefined) {
    // The monitor's counter/gauge/histogram are the registry's, validated the same way.
    shared.set(monitor, (entry = { metrics: new JobMetrics(monitor as unknown as MetricRegistry), types: new Map(), counts: new Map() }));
  }
  return entry;
}

/** A job's time in ms between two of its timestamps, or undefined when either is missing or they are out of order. */
function between(from: number | undefined, to: number | undefined): number | undefined {
  if (typeof from !== 'number' || typeof to !== 'number' || !Number.isFinite(from) || !Number.isFinite(to) || to < from) return undefined;
  return to - from;
}

/**
 * Records pulsewatch's job metrics (the names `monitor.jobs` uses, `type` being the queue name)
 * from BullMQ's own events and getters, so dashboards, checks, bottlenecks and rules work the same
 * on either runner: attempts, wait time (first attempts: from creation and delay to start;
 * retries: from the end of the backoff to the start, see `events`), run
 * time and outcomes (`outcome="success"|"failure"`, failure once out of attempts) from each
 * worker's `active`, `completed` and `failed` events; `job_queue_size` and `job_active_workers`
 * from each queue's `getJobCounts()` every `refresh`, with BullMQ's failed set as the dead
 * letters. Each worker process instruments its own workers; a shared store merges the fleet.
 * Throws a ConfigError for invalid options; never throws afterwards (a failed read is reported on
 * the monitor's `error` event and the last counts are kept).
 *
 * @example
 * ```ts
 * import { Queue, Worker } from 'bullmq';
 * import { instrumentBullMQ } from 'pulsewatch/bullmq';
 *
 * const worker = new Worker('emails', sendEmail, { connection });
 * instrumentBullMQ(monitor, { queues: [new Queue('emails', { connection })], workers: [worker] });
 * ```
 */
export function instrumentBullMQ(monitor: Monitor, options: BullMQOptions): BullMQInstrumentation {
  if (typeof monitor !== 'object' || monitor === null || typeof monitor.counter !== 'function') throw new ConfigError('instrumentBullMQ: the first argument must be a monitor');
  const o = parseOptions(bullmqOptionsSchema, options, 'invalid instrumentBullMQ options');
  const entry = metricsOf(monitor);
  const typeMetrics = (queue: string): TypeMetrics => {
    const name = queue.slice(0, 200);
    let counts = entry.counts.get(name);
    if (counts === undefined) entry.counts.set(name, (counts = new CachedCounts(name)));
    let m = entry.types.get(name);
    if (m === undefined) entry.types.set(name, (m = entry.metrics.forType(counts)));
    return m;
  };
  // A failed read of BullMQ's Redis is a store failure; a throw in our own listener is ours.
  const report = (error: unknown, what: string, read = false): void => {
    const message = `instrumentBullMQ: ${what}: ${(error instanceof Error ? error.message : String(error)).slice(0, 300)}`;
    monitor.reportError(read ? new StorageError(message, { cause: error }) : new PulsewatchError('ERR_PULSEWATCH_INTERNAL', message, { cause: error }));
  };

  const stops: (() => void)[] = [];
  const retries = new RetryWaits();
  const keyOf = (queue: string, jobId: unknown): string => `${queue}\u0000${String(jobId)}`;
  for (const events of o.events) {
    const onDelayed = (args: { jobId: string; delay: number }): void => {
      if (typeof args?.jobId === 'string') retries.readyAt(keyOf(events.name, args.jobId), Number(args.delay));
    };
    // An immediate retry (no backoff) goes back to waiting from active; the stream id is its time.
    const onWaiting = (args: { jobId: string; prev?: string }, id: string): void => {
      if (typeof args?.jobId === 'string' && args.prev === 'active' && typeof id === 'string') retries.readyAt(keyOf(events.name, args.jobId), Number.parseInt(id, 10));
    };
    events.on('delayed', onDelayed);
    events.on('waiting', onWaiting);
    stops.push(() => {
      events.off('delayed', onDelayed);
      events.off('waiting', onWaiting);
    });
  }
  for (const worker of o.workers) {
    const m = typeMetrics(worker.name);
    const onActive = (job: BullJobLike): void => {
      try {
        m.attempt();
        const key = keyOf(worker.name, job.id);
        if ((job.attemptsStarted ?? job.attemptsMade + 1) <= 1) {
          retries.forget(key);
          const waited = between(job.timestamp + (job.delay ?? 0), job.processedOn);
          if (waited !== undefined) m.waited(waited);
        } else {
          // A retry waits from the end of its backoff, which BullMQ does not keep: see RetryWaits.
          const waited = retries.take(key, job.processedOn ?? monitor.clock.now());
          if (waited !== undefined) m.waited(waited);
        }
      } catch (error) {
        report(error, `worker ${worker.name} active event`);
      }
    };
    const onCompleted = (job: BullJobLike): void => {
      try {
        const ran = between(job.processedOn, job.finishedOn);
        if (ran !== undefined) m.ran(ran, true);
        m.finished(true);
      } catch (error) {
        report(error, `worker ${worker.name} completed event`);
      }
    };
    const onFailed = (job: BullJobLike | undefined): void => {
      // A job BullMQ could not even load (undefined) was never started here: nothing to count.
      if (job === undefined) return;
      try {
        // A failed attempt that will be retried has no finishedOn: it ended now.
        const ran = between(job.processedOn, job.finishedOn ?? monitor.clock.now());
        if (ran !== undefined) m.ran(ran, false);
        // Failed for good: out of attempts, or earlier (an UnrecoverableError, maxStartedAttempts,
        // a backoff strategy answering -1), which BullMQ marks by a finishedOn.
        if (typeof job.finishedOn === 'number' || job.attemptsMade >= Math.max(1, job.opts.attempts ?? 1)) m.finished(false);
        // Retried: BullMQ has just set the backoff on the job (0 for an immediate retry).
        else retries.readyAt(keyOf(worker.name, job.id), monitor.clock.now() + (job.delay ?? 0));
      } catch (error) {
        report(error, `worker ${worker.name} failed event`);
      }
    };
    worker.on('active', onActive);
    worker.on('completed', onCompleted);
    worker.on('failed', onFailed);
    stops.push(() => {
      worker.off('active', onActive);
      worker.off('completed', onCompleted);
      worker.off('failed', onFailed);
    });
  }

  let stopped = false;
  let timer: TimerHandle | undefined;
  const refresh = async (): Promise<void> => {
    await Promise.all(
      o.queues.map(async (queue) => {
        typeMetrics(queue.name);
        try {
          const counts = await queue.getJobCounts(...STATES);
          entry.counts.get(queue.name.slice(0, 200))!.counts = counts;
        } catch (error) {
          report(error, `queue ${queue.name} getJobCounts`, true);
        }
      }),
    );
  };
  const schedule = (): void => {
    if (stopped || o.queues.length === 0) return;
    timer = monitor.clock.setTimeout(() => refresh().then(schedule), o.refresh);
  };
  for (const queue of o.queues) typeMetrics(queue.name);
  schedule();
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (timer !== undefined) monitor.clock.clearTimeout(timer);
    for (const s of stops) s();
  };
  stops.push(monitor.onClose(stop));
  return { refresh, stop };
}
