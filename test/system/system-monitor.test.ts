import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import type { SystemReadings } from '../../src/system/readings.js';
import { systemMonitor, type SystemMonitor } from '../../src/system/system-monitor.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { pollUntil } from '../helpers/real-time.js';
import { readings } from './helpers.js';

let monitor: Monitor | undefined;
let system: SystemMonitor | undefined;
afterEach(async () => {
  system?.stop();
  await monitor?.close();
  monitor = system = undefined;
});

/** A system monitor on a manual clock whose readings come from `next`. */
function scripted(next: () => SystemReadings, interval: number | string = '60s') {
  const clock = new ManualClock();
  monitor = createMonitor({ clock });
  let reads = 0;
  system = systemMonitor(monitor, {
    interval: interval as never,
    read: () => {
      reads++;
      return next();
    },
  });
  return { clock, monitor, system, reads: () => reads };
}

describe('systemMonitor on a manual clock', () => {
  it('samples every interval after start(), never before, and stops on stop()', async () => {
    const t = scripted(() => readings());
    t.system.start();
    await t.clock.advanceAsync(59_999);
    expect(t.reads()).toBe(0);
    await t.clock.advanceAsync(1);
    expect(t.reads()).toBe(1);
    await t.clock.advanceAsync(120_000);
    expect(t.reads()).toBe(3);
    // The monitor's own timers (slots, flushes, rules) stay; the sampler's one is gone.
    const timersWhileSampling = t.clock.pendingTimers;
    t.system.stop();
    expect(t.clock.pendingTimers).toBe(timersWhileSampling - 1);
    await t.clock.advanceAsync(600_000);
    expect(t.reads()).toBe(3);
    expect(t.system.running).toBe(false);
  });

  it('stops when its monitor closes', async () => {
    const t = scripted(() => readings());
    t.system.start();
    await t.clock.advanceAsync(60_000);
    expect(t.reads()).toBe(1);
    await t.monitor.close();
    expect(t.system.running).toBe(false);
    await t.clock.advanceAsync(600_000);
    expect(t.reads()).toBe(1);
  });

  it('sets the gauges through the monitor from each sample', async () => {
    const t = scripted(() => readings({ cpu: 42.5, memory: 61, disk: 70, lagP99: 12 }));
    t.system.start();
    await t.clock.advanceAsync(60_000);
    const text = t.monitor.exportPrometheusMetrics();
    expect(text).toContain('system_cpu_usage_percent 42.5');
    expect(text).toContain('system_memory_usage_percent 61');
    expect(text).toContain(`process_resident_memory_bytes ${80 * 1024 * 1024}`);
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds 0.012');
    expect(text).toContain('nodejs_eventloop_utilization_ratio 0.2');
    expect(text).toContain('system_load_average{period="1m"} 0.5');
    expect(text).toContain('system_disk_usage_percent{path="/data"} 70');
  });

  it('grades each sample: healthy, warning, critical by seed 002 thresholds', async () => {
    const script = [readings(), readings({ cpu: 85 }), readings({ cpu: 85, memory: 96 })];
    const t = scripted(() => script.shift()!);
    t.system.start();
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      await t.clock.advanceAsync(60_000);
      statuses.push(t.system.latest!.status);
    }
    expect(statuses).toEqual(['healthy', 'warning', 'critical']);
    // Worst first.
    expect(t.system.latest!.issues.map((i) => i.vital)).toEqual(['memory', 'cpu']);
  });

  it('snapshot() serves the latest sample within the interval and samples again after it', async () => {
    let cpu = 10;
    const t = scripted(() => readings({ cpu: cpu++ }));
    const first = await t.system.snapshot();
    expect(first).toMatchObject({ status: 'healthy', timestamp: '2026-01-01T00:00:00.000Z', metrics: { cpu: 10, memory: 40, disk: 50, eventLoopLag: 5, loadAverage: 0.5 } });
    t.clock.advance(59_999);
    expect(await t.system.snapshot()).toBe(first);
    t.clock.advance(1);
    expect((await t.system.snapshot()).metrics.cpu).toBe(11);
    expect(t.reads()).toBe(2);
  });

  it('never overlaps samples: a tick while one is running is skipped', async () => {
    let release!: () => void;
    const clock = new ManualClock();
    monitor = createMonitor({ clock });
    let reads = 0;
    system = systemMonitor(monitor, {
      interval: 1_000,
      read: () => {
        reads++;
        return new Promise<SystemReadings>((resolve) => (release = () => resolve(readings())));
      },
    }).start();
    // advance(), not advanceAsync(): the read is held, so the tick's sample never finishes on its own.
    clock.advance(3_000);
    expect(reads).toBe(1);
    release();
    await system.sample(); // joins the sample in flight: no read of its own
    expect(reads).toBe(1);
    clock.advance(1_000);
    expect(reads).toBe(2);
  });

  it('keeps sampling after a failing read', async () => {
    let n = 0;
    const t = scripted(() => {
      if (n++ === 0) throw new Error('sensor down');
      return readings();
    });
    t.system.start();
    await t.clock.advanceAsync(120_000);
    expect(t.reads()).toBe(2);
    expect(t.system.latest?.status).toBe('healthy');
  });

  it('validates its options, naming the option and the value', () => {
    monitor = createMonitor();
    const attempt = (options: object): string => {
      try {
        systemMonitor(monitor!, options as never);
      } catch (error) {
        expect(isConfigError(error)).toBe(true);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(attempt({ interval: 0 })).toBe('systemMonitor options: interval: must be greater than 0, got 0');
    expect(attempt({ thresholds: { cpu: { warning: 120 } } })).toMatch(/^systemMonitor options: thresholds\.cpu\.warning: .*, got 120$/);
    expect(attempt({ intervall: 5 })).toBe('systemMonitor options: intervall: unknown option, got 5');
  });
});

describe('systemMonitor with the real readings', () => {
  it('reports sane values', async () => {
    monitor = createMonitor();
    system = systemMonitor(monitor, { path: '.' }).start();
    // The event-loop delay histogram samples the real loop, in real time (a libuv timer): poll
    // until a sample holds a delay reading, with a deadline, instead of sleeping a guessed while.
    const s = await pollUntil(() => system!.sample(), (sample) => Number.isFinite(sample.readings.eventLoop.lagP99), 'an event-loop delay sample');
    const r = s.readings;
    expect(['healthy', 'warning', 'critical']).toContain(s.status);
    for (const pct of [r.cpu.percent, r.cpu.process, r.memory.percent, r.disk!.percent]) {
      expect(pct).toBeGreaterThanOrEqual(0);
      expect(pct).toBeLessThanOrEqual(100);
    }
    expect(r.cpu.cores).toBeGreaterThanOrEqual(1);
    expect(r.memory.rss).toBeGreaterThan(1024 * 1024);
    expect(r.memory.heapUsed).toBeLessThan(r.memory.heapLimit);
    expect(r.memory.available).toBeLessThanOrEqual(r.memory.total);
    expect(r.loadAverage).toHaveLength(3);
    expect(r.disk!.total).toBeGreaterThan(0);
    expect(r.disk!.available).toBeLessThanOrEqual(r.disk!.free);
    expect(r.eventLoop.lagP99).toBeGreaterThanOrEqual(0);
    expect(r.eventLoop.lagP99).toBeLessThan(10_000);
    expect(r.eventLoop.utilization).toBeGreaterThanOrEqual(0);
    expect(r.eventLoop.utilization).toBeLessThanOrEqual(1);
    expect(monitor.exportPrometheusMetrics()).toMatch(/^process_resident_memory_bytes \d+$/m);
  });

  it('reports an unreadable disk path as disk: null with the reason', async () => {
    monitor = createMonitor();
    system = systemMonitor(monitor, { path: '/no/such/path/pulsewatch' });
    const s = await system.sample();
    expect(s.readings.disk).toBeNull();
    expect(s.metrics.disk).toBeNull();
    expect(s.readings.diskError).toMatch(/^statfs\("\/no\/such\/path\/pulsewatch"\) failed: ENOENT/);
  });
});
