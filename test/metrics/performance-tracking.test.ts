import { describe, expect, it } from 'vitest';
import { ConfigError, createMonitor, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents, sampleValue } from '../helpers/monitor-harness.js';
import { thrownBy } from '../helpers/thrown.js';

function setup() {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ clock });
  const events = recordEvents(monitor);
  return { clock, monitor, events };
}

/** Count and sum of `<name>_duration_seconds` for the series matching `labels`. */
async function durations(monitor: Monitor, name: string, labels: Record<string, string> = {}) {
  const stats = await monitor.getAggregatedMetrics({ name: `${name}_duration_seconds`, labels });
  return { count: stats.count, sum: stats.sum, max: stats.max };
}

describe('withPerformanceTracking options', () => {
  it('rejects a name that cannot prefix a metric name with a ConfigError naming "name"', () => {
    const { monitor } = setup();
    const error = thrownBy(() => monitor.withPerformanceTracking(() => 1, { name: 'process-reservation' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ERR_PULSEWATCH_CONFIG');
    expect((error as Error).message).toMatch(/withPerformanceTracking: name: /);
  });

  it('rejects something that is not a function with a ConfigError', () => {
    const { monitor } = setup();
    expect(() => monitor.withPerformanceTracking('nope' as unknown as () => void, { name: 'op' })).toThrow(ConfigError);
  });

  it('rejects labels that cannot be label names, or that take the "outcome" label', () => {
    const { monitor } = setup();
    expect(() => monitor.withPerformanceTracking(() => 1, { name: 'a', labels: { 'org-id': 'x' } })).toThrow(ConfigError);
    expect(() => monitor.withPerformanceTracking(() => 1, { name: 'b', labels: { outcome: 'maybe' } })).toThrow(ConfigError);
  });

  it('rejects a second wrapper under the same name with different labels, and shares one histogram for equal options', () => {
    const { monitor } = setup();
    const a = monitor.withPerformanceTracking(() => 1, { name: 'lookup', service: 'api' });
    const b = monitor.withPerformanceTracking(() => 2, { name: 'lookup', service: 'api' });
    expect(() => monitor.withPerformanceTracking(() => 3, { name: 'lookup', operation: 'read' })).toThrow(ConfigError);
    a();
    b();
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'lookup_duration_seconds_count{service="api",outcome="success"}')).toBe(2);
  });

  it('does not modify the options object', () => {
    const { monitor } = setup();
    const options = Object.freeze({ name: 'op', service: 'svc', labels: Object.freeze({ region: 'eu' }) });
    expect(() => monitor.withPerformanceTracking(() => 1, options)).not.toThrow();
    expect(options).toEqual({ name: 'op', service: 'svc', labels: { region: 'eu' } });
  });
});

describe('withPerformanceTracking on synchronous functions', () => {
  it('returns the result and records the exact duration with outcome="success"', async () => {
    const { clock, monitor } = setup();
    const work = monitor.withPerformanceTracking(
      (a: number, b: number) => {
        clock.advance(250);
        return a + b;
      },
      { name: 'add' },
    );
    expect(work(2, 3)).toBe(5);
    expect(await durations(monitor, 'add', { outcome: 'success' })).toEqual({ count: 1, sum: 0.25, max: 0.25 });
    expect(await durations(monitor, 'add', { outcome: 'failure' })).toMatchObject({ count: 0 });
  });

  it('rethrows the very error object and records the duration with outcome="failure"', async () => {
    const { clock, monitor } = setup();
    const boom = new TypeError('boom');
    const work = monitor.withPerformanceTracking(() => {
      clock.advance(1500);
      throw boom;
    }, { name: 'explode' });
    expect(thrownBy(work)).toBe(boom);
    expect(await durations(monitor, 'explode', { outcome: 'failure' })).toEqual({ count: 1, sum: 1.5, max: 1.5 });
    expect(await durations(monitor, 'explode', { outcome: 'success' })).toMatchObject({ count: 0 });
  });

  it('rethrows values that are not errors untouched', () => {
    const { monitor } = setup();
    const reason = { code: 'E_CUSTOM' };
    expect(thrownBy(monitor.withPerformanceTracking(() => { throw reason; }, { name: 'a' }))).toBe(reason);
    expect(thrownBy(monitor.withPerformanceTracking(() => { throw 'plain string'; }, { name: 'b' }))).toBe('plain string');
  });

  it('passes every argument through and records a zero duration when no time passes', async () => {
    const { monitor } = setup();
    const seen: unknown[][] = [];
    const work = monitor.withPerformanceTracking((...args: unknown[]) => {
      seen.push(args);
      return args.length;
    }, { name: 'args' });
    const obj = { k: 1 };
    expect(work(1, 'two', obj, undefined)).toBe(4);
    expect(seen).toEqual([[1, 'two', obj, undefined]]);
    expect(seen[0]![2]).toBe(obj);
    expect(await durations(monitor, 'args')).toEqual({ count: 1, sum: 0, max: 0 });
  });

  it('keeps `this` for a function used as a method', () => {
    const { monitor } = setup();
    const account = {
      balance: 100,
      withdraw: monitor.withPerformanceTracking(function (this: { balance: number }, amount: number) {
        this.balance -= amount;
        return this.balance;
      }, { name: 'withdraw' }),
    };
    expect(account.withdraw(30)).toBe(70);
    expect(account.balance).toBe(70);
  });

  it('keeps `this` for a wrapped class prototype method', () => {
    const { monitor } = setup();
    class Repo {
      constructor(readonly prefix: string) {}
      find(id: number): string {
        return `${this.prefix}:${id}`;
      }
    }
    Repo.prototype.find = monitor.withPerformanceTracking(Repo.prototype.find, { name: 'repo_find' });
    expect(new Repo('users').find(7)).toBe('users:7');
    expect(new Repo('orders').find(8)).toBe('orders:8');
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'repo_find_duration_seconds_count{outcome="success"}')).toBe(2);
  });

  it("keeps the function's name and length", () => {
    const { monitor } = setup();
    function processReservation(_a: string, _b: number) {
      return true;
    }
    const wrapped = monitor.withPerformanceTracking(processReservation, { name: 'process_reservation' });
    expect(wrapped.name).toBe('processReservation');
    expect(wrapped.length).toBe(2);
  });
});

describe('withPerformanceTracking on asynchronous functions', () => {
  it('resolves with the result and records the time until the promise settles', async () => {
    const { clock, monitor } = setup();
    let resolve!: (v: { id: string }) => void;
    const create = monitor.withPerformanceTracking(() => new Promise<{ id: string }>((r) => (resolve = r)), { name: 'create' });
    const pending = create();
    clock.advance(2_000);
    // Not settled yet: nothing recorded.
    expect(await durations(monitor, 'create')).toMatchObject({ count: 0 });
    const result = { id: 'r1' };
    resolve(result);
    expect(await pending).toBe(result);
    expect(await durations(monitor, 'create', { outcome: 'success' })).toEqual({ count: 1, sum: 2, max: 2 });
  });

  it('records an async function that advances the clock while it awaits', async () => {
    const { clock, monitor } = setup();
    const job = monitor.withPerformanceTracking(async (ms: number) => {
      await Promise.resolve();
      clock.advance(ms);
      await Promise.resolve();
      return ms * 2;
    }, { name: 'job' });
    expect(await job(750)).toBe(1500);
    expect(await job(1250)).toBe(2500);
    expect(await durations(monitor, 'job', { outcome: 'success' })).toEqual({ count: 2, sum: 2, max: 1.25 });
  });

  it('rejects with the very error object and records the duration with outcome="failure"', async () => {
    const { clock, monitor, events } = setup();
    const failure = new Error('database unavailable');
    const save = monitor.withPerformanceTracking(async () => {
      await Promise.resolve();
      clock.advance(3_000);
      throw failure;
    }, { name: 'save' });
    await expect(save()).rejects.toBe(failure);
    expect(await durations(monitor, 'save', { outcome: 'failure' })).toEqual({ count: 1, sum: 3, max: 3 });
    expect(await durations(monitor, 'save', { outcome: 'success' })).toMatchObject({ count: 0 });
    expect(events.errors).toEqual([]);
  });

  it('returns the very promise the function returned, so extra properties survive', async () => {
    const { monitor } = setup();
    const original = Object.assign(Promise.resolve(42), { cancel: () => 'cancelled' });
    const start = monitor.withPerformanceTracking(() => original, { name: 'cancellable' });
    const returned = start();
    expect(returned).toBe(original);
    expect(returned.cancel()).toBe('cancelled');
    expect(await returned).toBe(42);
    expect(await durations(monitor, 'cancellable', { outcome: 'success' })).toMatchObject({ count: 1 });
  });

  it('records the outcome before the caller continues after await', async () => {
    const { monitor } = setup();
    const task = monitor.withPerformanceTracking(async () => 'ok', { name: 'ordered' });
    const failing = monitor.withPerformanceTracking(async () => Promise.reject(new Error('no')), { name: 'ordered_fail' });
    await task();
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'ordered_duration_seconds_count{outcome="success"}')).toBe(1);
    await failing().catch(() => undefined);
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'ordered_fail_duration_seconds_count{outcome="failure"}')).toBe(1);
  });

  it('calls a non-native thenable once and resolves with its value', async () => {
    const { monitor } = setup();
    let thenCalls = 0;
    const lazy = {
      then(onFulfilled: (v: string) => unknown, onRejected?: (e: unknown) => unknown) {
        thenCalls++;
        return Promise.resolve('rows').then(onFulfilled, onRejected);
      },
    };
    const query = monitor.withPerformanceTracking(() => lazy, { name: 'query' });
    expect(await query()).toBe('rows');
    expect(thenCalls).toBe(1);
    expect(await durations(monitor, 'query', { outcome: 'success' })).toMatchObject({ count: 1 });
  });
});

describe('withPerformanceTracking labels', () => {
  it('labels the histogram <name>_duration_seconds with service, operation, the extra labels and outcome', async () => {
    const { clock, monitor } = setup();
    const processReservation = monitor.withPerformanceTracking(
      async (data: { room: string }) => {
        clock.advance(120);
        if (data.room === '404') throw new Error('no such room');
        return { id: 'r1', ...data };
      },
      { name: 'process_reservation', service: 'reservations', operation: 'create', labels: { organizationId: 'org-123' } },
    );
    await processReservation({ room: '101' });
    await processReservation({ room: '102' });
    await expect(processReservation({ room: '404' })).rejects.toThrow('no such room');

    const histogram = monitor.getMetric('process_reservation_duration_seconds')!;
    expect(histogram.kind).toBe('histogram');
    expect(histogram.unit).toBe('seconds');
    const text = monitor.exportPrometheusMetrics();
    const labels = 'operation="create",organizationId="org-123",service="reservations"';
    expect(sampleValue(text, `process_reservation_duration_seconds_count{${labels},outcome="success"}`)).toBe(2);
    expect(sampleValue(text, `process_reservation_duration_seconds_count{${labels},outcome="failure"}`)).toBe(1);
    expect(sampleValue(text, `process_reservation_duration_seconds_sum{${labels},outcome="success"}`)).toBeCloseTo(0.24, 12);
    expect(await durations(monitor, 'process_reservation', { organizationId: 'org-123' })).toMatchObject({ count: 3 });
  });

  it('turns number and boolean label values into strings', () => {
    const { monitor } = setup();
    monitor.withPerformanceTracking(() => 1, { name: 'shard_op', labels: { shard: 3, primary: true } })();
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'shard_op_duration_seconds_count{primary="true",shard="3",outcome="success"}')).toBe(1);
  });
});
