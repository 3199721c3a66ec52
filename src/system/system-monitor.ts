import type { Clock, TimerHandle } from '../core/clock.js';
import { parseOptions } from '../core/options.js';
import type { Monitor } from '../monitor.js';
import { SystemGauges } from './gauges.js';
import { NodeSystemReader } from './node-reader.js';
import { systemMonitorOptionsSchema, type ResolvedSystemMonitorOptions, type SystemMonitorOptions } from './options.js';
import type { SystemReadings } from './readings.js';
import { systemStatus, type SystemIssue, type SystemStatus } from './status.js';

/**
 * What `systemMonitor` needs of a monitor: its clock, its public gauge API, and optionally its
 * close hook and the clock it hands its own parts (`timers`).
 */
export type SystemMonitorHost = Pick<Monitor, 'gauge' | 'clock'> &
  Partial<Pick<Monitor, 'onClose'>> & {
    /**
     * The clock the monitor arms its own timers on: it keeps the work they start until it
     * settles, so `monitor.idle()` waits for it on any clock. The samples are timed on it when
     * present (a sample is then part of the monitor's idle work, on the system clock too), on
     * `clock` otherwise (where only a ManualClock would see them).
     */
    readonly timers?: Clock;
  };

/** One graded sample of the system vitals (seed 002's `getHealthSnapshot()`). */
export interface SystemSnapshot {
  status: SystemStatus;
  /** When the sample was taken (ISO 8601). */
  timestamp: string;
  /** When the sample was taken (ms since the epoch, on the monitor's clock). */
  at: number;
  /** Every vital past a threshold, worst first. */
  issues: SystemIssue[];
  /** Seed 002's headline numbers: `health.metrics.cpu` is the CPU percentage. */
  metrics: {
    cpu: number;
    memory: number;
    /** Null when the disk could not be read. */
    disk: number | null;
    /** Event-loop lag p99 in ms (NaN before the first delay sample). */
    eventLoopLag: number;
    eventLoopUtilization: number;
    /** 1-minute load average. */
    loadAverage: number;
  };
  readings: SystemReadings;
}

/**
 * Samples CPU, memory, event-loop lag and utilization, load average and disk usage every
 * `interval` on the monitor's clock, sets gauges through `monitor.gauge`, and grades each sample
 * (healthy, warning, critical) by seed 002's thresholds. Timers are unref'd; samples never
 * overlap. Create it with {@link systemMonitor}.
 */
export class SystemMonitor {
  /** The resolved options (defaults applied), frozen. */
  readonly options: Readonly<ResolvedSystemMonitorOptions>;
  private readonly gauges: SystemGauges;
  private readonly reader: NodeSystemReader | undefined;
  private timer: TimerHandle | undefined;
  private started = false;
  private unhook: (() => void) | undefined;
  private inFlight: Promise<SystemSnapshot> | undefined;
  private last: SystemSnapshot | undefined;

  /** Use {@link systemMonitor}. */
  constructor(
    private readonly monitor: SystemMonitorHost,
    options: Readonly<ResolvedSystemMonitorOptions>,
  ) {
    this.options = options;
    this.gauges = new SystemGauges(monitor);
    this.reader = options.read === undefined ? new NodeSystemReader(options.path, options.eventLoopResolution) : undefined;
  }

  /** Where the samples are timed: the monitor's tracked clock when it offers one (see {@link SystemMonitorHost.timers}). */
  private get clock(): Clock {
    return this.monitor.timers ?? this.monitor.clock;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.started;
  }

  /** The latest sample, if any was taken. */
  get latest(): SystemSnapshot | undefined {
    return this.last;
  }

  /** Starts sampling every `interval` (the first sample one interval from now). Idempotent; returns this. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    this.reader?.start();
    this.arm();
    // Closing the monitor stops sampling: nothing is left running against a closed monitor.
    this.unhook = this.monitor.onClose?.(() => this.stop());
    return this;
  }

  /** Stops sampling and the event-loop delay histogram. Idempotent. */
  stop(): void {
    this.started = false;
    this.unhook?.();
    this.unhook = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.reader?.stop();
  }

  /**
   * The current vitals: the latest sample while it is younger than `interval`, else a new one
   * (which the periodic sampling then counts from, so rates never cover overlapping periods).
   */
  snapshot(): Promise<SystemSnapshot> {
    const last = this.last;
    if (last !== undefined && this.monitor.clock.now() - last.at < this.options.interval) return Promise.resolve(last);
    return this.sample();
  }

  /** Takes a sample now: reads, sets the gauges, grades. Joins a sample already in progress. */
  sample(): Promise<SystemSnapshot> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<SystemSnapshot> {
    // Lag needs the delay histogram running; an on-demand snapshot starts it too.
    this.reader?.start();
    const readings = this.reader !== undefined ? await this.reader.read() : await this.options.read!();
    const at = this.monitor.clock.now();
    const { status, issues } = systemStatus(readings, this.options.thresholds);
    issues.sort((a, b) => (a.level === b.level ? 0 : a.level === 'critical' ? -1 : 1));
    this.gauges.record(readings);
    const snapshot: SystemSnapshot = {
      status,
      timestamp: new Date(at).toISOString(),
      at,
      issues,
      metrics: {
        cpu: readings.cpu.percent,
        memory: readings.memory.percent,
        disk: readings.disk?.percent ?? null,
        eventLoopLag: readings.eventLoop.lagP99,
        eventLoopUtilization: readings.eventLoop.utilization,
        loadAverage: readings.loadAverage[0],
      },
      readings,
    };
    this.last = snapshot;
    return snapshot;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      if (!this.started) return;
      // Fixed rate: re-arm first, and skip this tick if the previous sample is still running.
      this.arm();
      if (this.inFlight !== undefined) return undefined;
      // A failing custom `read` must not end the loop: the next interval tries again. The sample
      // goes back to the clock, caught: the monitor's idle() (and a ManualClock's) waits for it.
      return this.sample().then(
        () => undefined,
        () => undefined,
      );
    }, this.options.interval);
  }
}

/**
 * Creates a system monitor for `monitor` (seed 002's `systemHealthMonitor`). Call `start()` to
 * sample every `interval` (default 60 s), `snapshot()` for the current vitals and status, and
 * `stop()` to stop early (`monitor.close()` stops it too). Throws a ConfigError naming a bad option.
 *
 * @example const system = systemMonitor(monitor, { interval: '60s' }).start();
 */
export function systemMonitor(monitor: SystemMonitorHost, options: SystemMonitorOptions = {}): SystemMonitor {
  return new SystemMonitor(monitor, parseOptions(systemMonitorOptionsSchema, options, 'systemMonitor options'));
}
