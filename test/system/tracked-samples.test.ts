/**
 * The samples a systemMonitor's timer takes are work of the monitor: timed on the clock the
 * monitor hands its parts (its `timers`, a DeferredClock), they are what monitor.idle() waits
 * for on the system clock too, where nothing else tracks them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { DeferredClock } from '../../src/core/deferred-clock.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import type { SystemReadings } from '../../src/system/readings.js';
import { systemMonitor, type SystemMonitor, type SystemMonitorHost } from '../../src/system/system-monitor.js';
import { readings } from './helpers.js';

let monitor: Monitor | undefined;
let system: SystemMonitor | undefined;
afterEach(async () => {
  system?.stop();
  await monitor?.close();
  monitor = system = undefined;
});

/** A read that waits until the test lets it finish, and says when it started. */
function gatedRead() {
  let started!: () => void;
  const reading = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    reading,
    release,
    read: async (): Promise<SystemReadings> => {
      started();
      await gate;
      return readings({ cpu: 42 });
    },
  };
}

describe('systemMonitor samples are tracked work of the monitor', () => {
  it('arms its timer on the host’s timers clock when it offers one: its idle() waits for the sample, on the system clock', async () => {
    monitor = createMonitor({ clock: systemClock });
    const timers = new DeferredClock(systemClock, () => {});
    timers.start();
    const host: SystemMonitorHost = { gauge: monitor.gauge.bind(monitor), clock: systemClock, timers };
    const gated = gatedRead();
    system = systemMonitor(host, { interval: 20, read: gated.read }).start();
    await gated.reading;
    // The sample's timer fired and its read is running: the tracked clock counts it.
    expect(timers.runningTasks).toBe(1);
    const idle = timers.idle();
    system.stop();
    gated.release();
    await idle;
    expect(system.latest?.metrics.cpu).toBe(42);
  });

  it('on a real monitor: monitor.idle() waits for a sample that is being read, on the system clock', async () => {
    monitor = createMonitor({ clock: systemClock });
    const gated = gatedRead();
    system = systemMonitor(monitor, { interval: 20, read: gated.read }).start();
    await gated.reading;
    const idle = monitor.idle();
    let settled = false;
    void idle.then(() => (settled = true));
    await Promise.resolve();
    // Still reading: idle() has not resolved, since the sample is the monitor's work.
    expect(settled).toBe(false);
    system.stop();
    gated.release();
    await idle;
    expect(system.latest?.metrics.cpu).toBe(42);
  });

  it('without a timers clock it falls back to the monitor’s clock (a plain host keeps working)', async () => {
    monitor = createMonitor({ clock: systemClock });
    const gated = gatedRead();
    system = systemMonitor({ gauge: monitor.gauge.bind(monitor), clock: systemClock }, { interval: 20, read: gated.read }).start();
    await gated.reading;
    system.stop();
    gated.release();
    expect((await system.sample()).metrics.cpu).toBe(42);
  });
});
