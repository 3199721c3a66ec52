import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { DiskReadings, MemoryReadings, SystemReadings } from './readings.js';

interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * Reads the vitals of this process and machine from Node's APIs. Rates (CPU, event-loop delay
 * and utilization) cover the period since the previous `read()`, or since `start()`. CPU time is
 * measured against real elapsed time (`performance.now()`), never the monitor's clock: a manual
 * clock does not make the CPU work any less.
 */
export class NodeSystemReader {
  private histogram: IntervalHistogram | undefined;
  private cpuTimes: CpuTimes;
  private processCpu: NodeJS.CpuUsage;
  private wallAt: number;
  private elu: EventLoopUtilization;

  constructor(
    private readonly path: string,
    private readonly resolution = 10,
  ) {
    this.cpuTimes = machineCpuTimes();
    this.processCpu = process.cpuUsage();
    this.wallAt = performance.now();
    this.elu = performance.eventLoopUtilization();
  }

  /** Starts the event-loop delay histogram (a libuv timer Node keeps unref'd). */
  start(): void {
    if (this.histogram !== undefined) return;
    this.histogram = monitorEventLoopDelay({ resolution: this.resolution });
    this.histogram.enable();
  }

  /** Stops the event-loop delay histogram. */
  stop(): void {
    this.histogram?.disable();
    this.histogram = undefined;
  }

  /** Takes one sample; never rejects (an unreadable disk path becomes `disk: null`). */
  async read(): Promise<SystemReadings> {
    const readings: SystemReadings = {
      cpu: this.readCpu(),
      memory: readMemory(),
      eventLoop: this.readEventLoop(),
      loadAverage: os.loadavg() as [number, number, number],
      disk: null,
    };
    try {
      readings.disk = await readDisk(this.path);
    } catch (error) {
      readings.diskError = `statfs("${this.path}") failed: ${(error as Error)?.message ?? String(error)}`;
    }
    return readings;
  }

  private readCpu(): SystemReadings['cpu'] {
    const now = performance.now();
    const times = machineCpuTimes();
    const proc = process.cpuUsage(this.processCpu);
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length || 1;
    const dTotal = times.total - this.cpuTimes.total;
    const wallUs = (now - this.wallAt) * 1000;
    // The OS counts CPU time in ticks of about 10 ms: a period too short to hold one (a snapshot
    // right after start) falls back to the average since boot, or since the process started.
    const percent = clampPercent(dTotal > 0 ? ((times.busy - this.cpuTimes.busy) / dTotal) * 100 : (times.busy / Math.max(1, times.total)) * 100);
    const processPercent =
      wallUs >= 10_000
        ? clampPercent(((proc.user + proc.system) / (wallUs * cores)) * 100)
        : clampPercent((sumCpu(process.cpuUsage()) / (process.uptime() * 1e6 * cores)) * 100);
    this.cpuTimes = times;
    this.processCpu = process.cpuUsage();
    this.wallAt = now;
    return { percent, process: processPercent, cores };
  }

  /** Event-loop delay and utilization since the previous call (NaN lag before the first delay sample). */
  readEventLoop(): SystemReadings['eventLoop'] {
    const elu = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(elu, this.elu).utilization;
    this.elu = elu;
    const h = this.histogram;
    const none = { lagP50: NaN, lagP99: NaN, lagMax: NaN, lagMean: NaN, utilization };
    if (h === undefined || h.count === 0) return none;
    // The histogram records the time between its timer's callbacks, resolution included:
    // subtract it to get the lag.
    const lag = (ns: number): number => Math.max(0, ns / 1e6 - this.resolution);
    const out = { lagP50: lag(h.percentile(50)), lagP99: lag(h.percentile(99)), lagMax: lag(h.max), lagMean: lag(h.mean), utilization };
    h.reset();
    return out;
  }
}

/** Memory now: against the container's limit when there is one, else the machine's. */
export function readMemory(): MemoryReadings {
  const usage = process.memoryUsage();
  const machine = os.totalmem();
  // Unlimited cgroups report a huge number (2^63 or 2^64); only a limit below the machine counts.
  const limit = typeof process.constrainedMemory === 'function' ? (process.constrainedMemory() ?? 0) : 0;
  const constrained = limit > 0 && limit < machine;
  const total = constrained ? limit : machine;
  const available = constrained ? Math.max(0, limit - usage.rss) : os.freemem();
  const used = constrained ? usage.rss : machine - available;
  return {
    percent: clampPercent((used / total) * 100),
    constrained,
    total,
    available,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    heapLimit: v8.getHeapStatistics().heap_size_limit,
    external: usage.external,
  };
}

/** Usage of the file system holding `path`, as `df` computes Use%. */
export async function readDisk(path: string): Promise<DiskReadings> {
  const s = await statfs(path);
  const total = s.blocks * s.bsize;
  const free = s.bfree * s.bsize;
  const available = s.bavail * s.bsize;
  const used = total - free;
  const percent = used + available > 0 ? clampPercent((used / (used + available)) * 100) : 0;
  return { path, percent, total, free, available };
}

function machineCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

function sumCpu(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, value));
}
