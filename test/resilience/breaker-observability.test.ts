import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClosedError, ConfigError } from '../../src/core/errors.js';
import { Histogram } from '../../src/metrics/histogram.js';
import type { BreakerOptions } from '../../src/resilience/breaker-options.js';
import { sampleValue } from '../helpers/monitor-harness.js';
import { breakerHarness, deferred, failTimes, rejectionOf, startMonitor, type BreakerHarness } from './helpers.js';

class NotFound extends Error {}
type Plan = 'ok' | 'fail' | 'missing' | 'hang';

let h: BreakerHarness;
beforeEach(() => {
  h = breakerHarness();
});
afterEach(async () => {
  await h.monitor.close();
});

/** A breaker whose function does what `plan` says per call: a value, an error, or hang. */
function scripted(name: string, options: BreakerOptions<[what: Plan], string> = {}) {
  return h.monitor.circuitBreaker(name, async (what: Plan): Promise<string> => {
    if (what === 'fail') throw new Error('fail');
    if (what === 'missing') throw new NotFound('missing');
    if (what === 'hang') return new Promise<string>(() => {});
    return 'ok';
  }, { isFailure: (e) => !(e instanceof NotFound), ...options });
}

describe('metrics', () => {
  it('counts every call once, by outcome, in breaker_calls_total', async () => {
    const breaker = scripted('api', { failureThreshold: 2, timeout: 100, resetTimeout: 1_000 });
    await breaker.fire('ok');
    await breaker.fire('ok');
    await breaker.fire('missing').catch(() => undefined);
    await breaker.fire('fail').catch(() => undefined);
    const hung = breaker.fire('hang').catch(() => undefined);
    h.clock.advance(100);
    await hung;
    await breaker.fire('ok').catch(() => undefined);
    expect(breaker.state).toBe('open');
    expect(h.calls('api', 'success')).toBe(2);
    expect(h.calls('api', 'ignored')).toBe(1);
    expect(h.calls('api', 'failure')).toBe(1);
    expect(h.calls('api', 'timeout')).toBe(1);
    expect(h.calls('api', 'rejected')).toBe(1);
    expect(h.calls('api', 'fallback')).toBe(0);
  });

  it('counts calls answered by the fallback as fallback', async () => {
    const breaker = scripted('api', { fallback: () => 'stale' });
    await breaker.fire('fail');
    expect(h.calls('api', 'fallback')).toBe(1);
    expect(h.calls('api', 'failure')).toBe(0);
  });

  it('records durations in seconds per outcome in breaker_call_duration_seconds', async () => {
    const answer = deferred<string>();
    const breaker = h.monitor.circuitBreaker('db', () => answer.promise, { timeout: false });
    const call = breaker.fire();
    h.clock.advance(250);
    answer.resolve('rows');
    await call;
    const text = h.monitor.exportPrometheusMetrics();
    expect(sampleValue(text, 'breaker_call_duration_seconds_count{breaker="db",outcome="success"}')).toBe(1);
    expect(sampleValue(text, 'breaker_call_duration_seconds_sum{breaker="db",outcome="success"}')).toBeCloseTo(0.25, 6);
    expect(sampleValue(text, 'breaker_call_duration_seconds_bucket{breaker="db",outcome="success",le="0.1"}')).toBe(0);
    expect(sampleValue(text, 'breaker_call_duration_seconds_bucket{breaker="db",outcome="success",le="0.25"}')).toBe(1);
    const histogram = h.monitor.getMetric('breaker_call_duration_seconds');
    expect(histogram).toBeInstanceOf(Histogram);
    expect(histogram?.unit).toBe('seconds');
  });

  it('sets breaker_state: 0 closed, 2 open, 1 half-open', async () => {
    const breaker = scripted('api', { failureThreshold: 1, resetTimeout: 1_000 });
    const state = () => sampleValue(h.monitor.exportPrometheusMetrics(), 'breaker_state{breaker="api"}');
    expect(state()).toBe(0);
    await breaker.fire('fail').catch(() => undefined);
    expect(state()).toBe(2);
    h.clock.advance(1_000);
    expect(state()).toBe(1);
    await breaker.fire('ok');
    expect(state()).toBe(0);
  });

  it('keeps the series of two breakers apart', async () => {
    const a = scripted('a');
    const b = scripted('b');
    await a.fire('ok');
    await b.fire('fail').catch(() => undefined);
    expect(h.calls('a', 'success')).toBe(1);
    expect(h.calls('a', 'failure')).toBe(0);
    expect(h.calls('b', 'failure')).toBe(1);
  });
});

describe('monitor.breakers()', () => {
  it('returns name, state, critical and counts for every breaker, in creation order', async () => {
    const stripe = scripted('stripe', { critical: true, failureThreshold: 1 });
    scripted('search');
    const opened = h.clock.now();
    await stripe.fire('fail').catch(() => undefined);
    await stripe.fire('ok').catch(() => undefined);
    const [first, second] = h.monitor.breakers();
    expect(first).toMatchObject({
      name: 'stripe',
      state: 'open',
      critical: true,
      calls: 2,
      successes: 0,
      failures: 1,
      rejects: 1,
      timeouts: 0,
      fallbacks: 0,
      ignored: 0,
      consecutiveFailures: 1,
      openedAt: opened,
    });
    expect(second).toMatchObject({ name: 'search', state: 'closed', critical: false, calls: 0 });
    expect(second).not.toHaveProperty('openedAt');
    expect(second).not.toHaveProperty('window');
  });

  it('reports latency percentiles (seconds) of calls that reached the function', async () => {
    const answers: ReturnType<typeof deferred<string>>[] = [];
    const breaker = h.monitor.circuitBreaker('db', () => {
      const d = deferred<string>();
      answers.push(d);
      return d.promise;
    }, { timeout: false });
    for (const ms of [10, 20, 30, 40, 1_000]) {
      const call = breaker.fire();
      h.clock.advance(ms);
      answers.at(-1)!.resolve('ok');
      await call;
    }
    const { latency } = breaker.stats();
    expect(latency.p50).toBeCloseTo(0.03, 6);
    expect(latency.p95).toBeCloseTo(1, 6);
    expect(latency.p99).toBeCloseTo(1, 6);
  });

  it('reports NaN latency before any call', () => {
    expect(scripted('idle').stats().latency).toEqual({ p50: NaN, p95: NaN, p99: NaN });
  });

  it('forgets openedAt once the breaker closes again', async () => {
    const breaker = scripted('api', { failureThreshold: 1, resetTimeout: 1_000 });
    await breaker.fire('fail').catch(() => undefined);
    h.clock.advance(1_000);
    expect(breaker.stats().openedAt).toBeDefined();
    await breaker.fire('ok');
    expect(breaker.stats()).not.toHaveProperty('openedAt');
  });
});

describe('snapshot()', () => {
  it('lists every breaker with its state and counts, open ones included', async () => {
    const pay = scripted('payments', { failureThreshold: 1, resetTimeout: 60_000, critical: true });
    const mail = scripted('mailer');
    await mail.fire('ok');
    await pay.fire('fail').catch(() => undefined);
    const { breakers } = (await h.monitor.snapshot());
    expect(breakers.map((b) => [b.name, b.state, b.critical])).toEqual([
      ['payments', 'open', true],
      ['mailer', 'closed', false],
    ]);
    expect(breakers[1]).toMatchObject({ successes: 1, failures: 0 });
    expect(JSON.parse(JSON.stringify((await h.monitor.snapshot()))).breakers).toHaveLength(2);
  });
});

describe('names', () => {
  it('returns the existing breaker for the same name, function and options', () => {
    const fn = async () => 'x';
    const a = h.monitor.circuitBreaker('api', fn, { timeout: '5s' });
    expect(h.monitor.circuitBreaker('api', fn, { timeout: 5_000 })).toBe(a);
    expect(h.monitor.breakers()).toHaveLength(1);
  });

  it('throws a ConfigError for the same name around another function', () => {
    h.monitor.circuitBreaker('api', async () => 'x');
    expect(() => h.monitor.circuitBreaker('api', async () => 'y')).toThrow(ConfigError);
    expect(() => h.monitor.circuitBreaker('api', async () => 'y')).toThrow(/"api" already exists around another function/);
  });

  it('throws a ConfigError for the same name and function with other options, naming the option', () => {
    const fn = async () => 'x';
    h.monitor.circuitBreaker('api', fn);
    expect(() => h.monitor.circuitBreaker('api', fn, { resetTimeout: '30s' })).toThrow(/resetTimeout differs/);
  });

  it.each([[''], [42]])('rejects the name %o', (name) => {
    expect(() => h.monitor.circuitBreaker(name as string, async () => 'x')).toThrow(ConfigError);
  });
});

describe('close()', () => {
  it('leaves no timer behind on the monitor clock, and never arms a global one', async () => {
    const globalTimer = vi.spyOn(globalThis, 'setTimeout');
    await startMonitor(h);
    const open = scripted('open', { failureThreshold: 1, resetTimeout: '60s', timeout: false });
    const base = h.clock.pendingTimers;
    await open.fire('fail').catch(() => undefined);
    expect(h.clock.pendingTimers).toBe(base + 1); // the reset timer, on the monitor clock
    const windowed = scripted('windowed', { errorThresholdPercentage: 50 });
    await windowed.fire('ok');
    const slow = scripted('slow', { timeout: '10s' });
    const pending = rejectionOf(slow.fire('hang'));
    expect(globalTimer).not.toHaveBeenCalled();
    globalTimer.mockRestore();
    await h.monitor.close();
    expect(h.clock.pendingTimers).toBe(0);
    const error = await pending;
    expect(error).toBeInstanceOf(ClosedError);
    expect((error as Error).message).toContain('"slow"');
  });

  it('refuses calls and new breakers with a ClosedError afterwards', async () => {
    const breaker = scripted('api');
    await h.monitor.close();
    await expect(breaker.fire('ok')).rejects.toBeInstanceOf(ClosedError);
    expect(() => scripted('late')).toThrow(ClosedError);
  });

  it('lets a call without a deadline finish after close', async () => {
    const answer = deferred<string>();
    const breaker = h.monitor.circuitBreaker('patient', () => answer.promise, { timeout: false });
    const call = breaker.fire();
    await h.monitor.close();
    answer.resolve('done');
    await expect(call).resolves.toBe('done');
  });
});

describe('events', () => {
  it('emits breakerStateChanged once per transition, never for a repeated state', async () => {
    const breaker = scripted('api', { failureThreshold: 2, resetTimeout: 500 });
    await failTimes(() => breaker.fire('fail'), 6);
    h.clock.advance(500);
    await breaker.fire('fail').catch(() => undefined);
    expect(h.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->open']);
  });

  it('keeps working when a listener throws (the error is reported instead)', async () => {
    h.monitor.on('breakerStateChanged', () => {
      throw new Error('listener bug');
    });
    const breaker = scripted('api', { failureThreshold: 1 });
    await breaker.fire('fail').catch(() => undefined);
    expect(breaker.state).toBe('open');
    expect(h.errors.some((e) => e.message.includes('listener bug'))).toBe(true);
  });
});
