// A monitor created at module scope starts no timer and draws no random value until its first
// use (issue 16, item 9): Cloudflare's workerd refuses both in a worker's global scope. This test
// plays that scope in Node: the clock's timers, the global timers, Math.random and Web Crypto's
// random calls all throw while it runs.
import { afterEach, describe, expect, it } from 'vitest';
import type { TimerHandle } from '../src/core/clock.js';
import type { PulsewatchError } from '../src/core/errors.js';
import { createMonitor } from '../src/monitor.js';
import { MemoryStorage } from '../src/storage/memory/memory-storage.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import { T0 } from './helpers/monitor-harness.js';

const REFUSED = 'Disallowed operation called within global scope';

/** A manual clock whose timers throw while `refusing`, as workerd's do in global scope. */
class GlobalScopeClock extends ManualClock {
  refusing = true;
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    if (this.refusing) throw new Error(`${REFUSED}: setTimeout`);
    return super.setTimeout(fn, ms);
  }
}

const originals = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  random: Math.random,
  randomUUID: crypto.randomUUID,
  getRandomValues: crypto.getRandomValues,
};

/** Runs `fn` as a worker's global scope would: timers and random values throw. */
function inGlobalScope<T>(fn: () => T): T {
  const refuse = (what: string) => () => {
    throw new Error(`${REFUSED}: ${what}`);
  };
  globalThis.setTimeout = refuse('setTimeout') as never;
  globalThis.setInterval = refuse('setInterval') as never;
  Math.random = refuse('Math.random');
  crypto.randomUUID = refuse('crypto.randomUUID') as never;
  crypto.getRandomValues = refuse('crypto.getRandomValues') as never;
  try {
    return fn();
  } finally {
    restore();
  }
}

function restore(): void {
  globalThis.setTimeout = originals.setTimeout;
  globalThis.setInterval = originals.setInterval;
  Math.random = originals.random;
  crypto.randomUUID = originals.randomUUID;
  crypto.getRandomValues = originals.getRandomValues;
}

afterEach(restore);

/** What a worker's module usually holds: a monitor, its metrics, a breaker, a check, a wrapped function. */
function moduleScope(clock: ManualClock) {
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ service: 'edge', clock, storage });
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return {
    monitor,
    storage,
    errors,
    requests: monitor.counter({ name: 'http_requests_total', labelNames: ['route'] }),
    latency: monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['route'] }),
    depth: monitor.gauge({ name: 'queue_depth', collect: () => 3 }),
    breaker: monitor.circuitBreaker('upstream', async () => 'ok'),
    work: monitor.withPerformanceTracking(async (n: number) => n * 2, { name: 'work' }),
    unregister: monitor.health.register('upstream', async () => true),
  };
}

describe('a monitor created at module scope', () => {
  it('creates without a timer or a random value, then works from its first use on', async () => {
    const clock = new GlobalScopeClock(T0 + 1_000);
    const scope = inGlobalScope(() => moduleScope(clock));
    expect(clock.pendingTimers).toBe(0);

    // The first request: timers are allowed from here on.
    clock.refusing = false;
    scope.requests.inc({ route: '/' });
    expect(clock.pendingTimers).toBeGreaterThan(0);
    scope.latency.observe(0.25, { route: '/' });
    await expect(scope.work(21)).resolves.toBe(42);
    await expect(scope.breaker.fire()).resolves.toBe('ok');
    expect((await scope.monitor.health.check()).status).toBe('healthy');
    expect(scope.monitor.instanceId).toMatch(/-[0-9a-f]{8}$/);

    await clock.advanceAsync(30_000); // the slot closes, the flush writes it
    const stored = await scope.storage.queryRollups({ name: 'http_requests_total' });
    expect(stored.map((r) => [r.start, r.sum, r.instance])).toEqual([[T0, 1, scope.monitor.instanceId]]);
    expect((await scope.monitor.getAggregatedMetrics({ name: 'http_request_duration_seconds' })).count).toBe(1);
    expect(scope.errors).toEqual([]);
    await scope.monitor.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('starts on the first read, on a rule, or on a timer a part asks for', async () => {
    for (const use of [
      (m: ReturnType<typeof moduleScope>) => void m.monitor.exportPrometheusMetrics(),
      (m: ReturnType<typeof moduleScope>) => void m.monitor.snapshot(),
      (m: ReturnType<typeof moduleScope>) => void m.monitor.alerts.createRule({ name: 'slow', metric: 'http_request_duration_seconds', aggregation: 'p95', condition: 'greater_than', threshold: 1 }),
      (m: ReturnType<typeof moduleScope>) => void m.monitor.health.check(),
    ]) {
      const clock = new GlobalScopeClock(T0);
      const scope = inGlobalScope(() => moduleScope(clock));
      clock.refusing = false;
      use(scope);
      expect(clock.pendingTimers).toBeGreaterThan(0);
      await scope.monitor.close();
    }
  });

  it('records in global scope without throwing, and arms its timers at the next use', async () => {
    const clock = new GlobalScopeClock(T0);
    const scope = inGlobalScope(() => {
      const s = moduleScope(clock);
      s.depth.set(1);
      s.requests.inc({ route: '/' });
      return s;
    });
    expect(clock.pendingTimers).toBe(0);
    expect(scope.errors).toEqual([]);

    clock.refusing = false;
    scope.requests.inc({ route: '/other' });
    expect(clock.pendingTimers).toBeGreaterThan(0);
    await clock.advanceAsync(30_000);
    const stored = await scope.storage.queryRollups({ name: 'http_requests_total' });
    expect(stored.map((r) => r.labels.route).sort()).toEqual(['/', '/other']);
    expect(scope.errors).toEqual([]);
    await scope.monitor.close();
  });

  it('reports a clock that still refuses timers once time has moved, once', async () => {
    const clock = new GlobalScopeClock(T0);
    const scope = inGlobalScope(() => moduleScope(clock));
    scope.requests.inc({ route: '/' }); // refused in global scope, where time stands still
    clock.advance(1_000);
    scope.requests.inc({ route: '/other' });
    await scope.monitor.flush();
    expect(scope.errors.map((e) => e.message)).toEqual([`unexpected failure: ${REFUSED}: setTimeout`]);
    clock.refusing = false;
    await scope.monitor.close();
  });

  it('closes without ever starting: no timer left, the gauges written once', async () => {
    const clock = new GlobalScopeClock(T0);
    const scope = inGlobalScope(() => moduleScope(clock));
    clock.refusing = false;
    await scope.monitor.close();
    expect(clock.pendingTimers).toBe(0);
    expect((await scope.storage.queryRollups({ name: 'queue_depth' })).map((r) => r.last)).toEqual([3]);
  });
});
