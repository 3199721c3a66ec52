import type { Gauge } from '../metrics/gauge.js';
import type { Monitor } from '../monitor.js';
import type { SystemReadings } from './readings.js';

/**
 * Names of the gauges `systemMonitor` sets. Process and Node.js names follow prom-client's
 * default metrics, so existing dashboards keep working; the machine's follow node_exporter's
 * spirit with seed 002's percentages.
 */
export const SYSTEM_METRICS = Object.freeze({
  cpu: 'system_cpu_usage_percent',
  processCpu: 'process_cpu_usage_percent',
  memory: 'system_memory_usage_percent',
  rss: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  heapTotal: 'nodejs_heap_size_total_bytes',
  lagP50: 'nodejs_eventloop_lag_p50_seconds',
  lagP99: 'nodejs_eventloop_lag_p99_seconds',
  utilization: 'nodejs_eventloop_utilization_ratio',
  load: 'system_load_average',
  disk: 'system_disk_usage_percent',
  diskFree: 'system_disk_available_bytes',
});

/** The gauges of the system vitals, defined through the monitor's public gauge API. */
export class SystemGauges {
  private readonly cpu: Gauge;
  private readonly processCpu: Gauge;
  private readonly memory: Gauge;
  private readonly rss: Gauge;
  private readonly heapUsed: Gauge;
  private readonly heapTotal: Gauge;
  private readonly lagP50: Gauge;
  private readonly lagP99: Gauge;
  private readonly utilization: Gauge;
  private readonly load: Gauge<'period'>;
  private readonly disk: Gauge<'path'>;
  private readonly diskFree: Gauge<'path'>;

  constructor(monitor: Pick<Monitor, 'gauge'>) {
    const g = (name: string, help: string): Gauge => monitor.gauge({ name, help });
    this.cpu = g(SYSTEM_METRICS.cpu, 'Busy share of all CPU cores of the machine, percent');
    this.processCpu = g(SYSTEM_METRICS.processCpu, 'CPU time of this process over wall time and available cores, percent');
    this.memory = g(SYSTEM_METRICS.memory, 'Memory in use (of the container limit when there is one), percent');
    this.rss = g(SYSTEM_METRICS.rss, 'Resident memory size in bytes');
    this.heapUsed = g(SYSTEM_METRICS.heapUsed, 'V8 heap used in bytes');
    this.heapTotal = g(SYSTEM_METRICS.heapTotal, 'V8 heap size in bytes');
    this.lagP50 = g(SYSTEM_METRICS.lagP50, 'Median event-loop lag over the last interval, seconds');
    this.lagP99 = g(SYSTEM_METRICS.lagP99, '99th percentile event-loop lag over the last interval, seconds');
    this.utilization = g(SYSTEM_METRICS.utilization, 'Share of the last interval the event loop was busy, 0-1');
    this.load = monitor.gauge({ name: SYSTEM_METRICS.load, help: 'Load average of the machine', labelNames: ['period'] as const });
    this.disk = monitor.gauge({ name: SYSTEM_METRICS.disk, help: 'Used share of the file system holding path, percent', labelNames: ['path'] as const });
    this.diskFree = monitor.gauge({ name: SYSTEM_METRICS.diskFree, help: 'Bytes available to the process on the file system holding path', labelNames: ['path'] as const });
  }

  /** Sets every gauge from one sample; readings not taken (NaN lag, no disk) leave their gauge as it was. */
  record(r: SystemReadings): void {
    this.cpu.set(r.cpu.percent);
    this.processCpu.set(r.cpu.process);
    this.memory.set(r.memory.percent);
    this.rss.set(r.memory.rss);
    this.heapUsed.set(r.memory.heapUsed);
    this.heapTotal.set(r.memory.heapTotal);
    if (Number.isFinite(r.eventLoop.lagP50)) this.lagP50.set(r.eventLoop.lagP50 / 1000);
    if (Number.isFinite(r.eventLoop.lagP99)) this.lagP99.set(r.eventLoop.lagP99 / 1000);
    this.utilization.set(r.eventLoop.utilization);
    this.load.set(r.loadAverage[0], { period: '1m' });
    this.load.set(r.loadAverage[1], { period: '5m' });
    this.load.set(r.loadAverage[2], { period: '15m' });
    if (r.disk !== null) {
      this.disk.set(r.disk.percent, { path: r.disk.path });
      this.diskFree.set(r.disk.available, { path: r.disk.path });
    }
  }
}
