import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakerOpenError, TimeoutError, isTimeoutError } from '../../src/core/errors.js';
import { breakerHarness, deferred, failTimes, rejectionOf, startMonitor, type BreakerHarness } from './helpers.js';

class NotFound extends Error {}

let h: BreakerHarness;
beforeEach(() => {
  h = breakerHarness();
});
afterEach(async () => {
  await h.monitor.close();
});

describe('timeout', () => {
  it('rejects with our TimeoutError when the call has not answered by the deadline (ManualClock)', async () => {
    const never = deferred<string>();
    const breaker = h.monitor.circuitBreaker('slow', () => never.promise, { timeout: '10s' });
    let outcome: unknown = 'pending';
    const settled = breaker.fire().then(
      (v) => (outcome = v),
      (e: unknown) => (outcome = e),
    );
    h.clock.advance(9_999);
    // The sweep counts an expiry synchronously, before any handler of the call runs: a deadline
    // fired early would show here, where `outcome` could not show it yet.
    expect(breaker.stats()).toMatchObject({ timeouts: 0 });
    expect(outcome).toBe('pending');
    h.clock.advance(1);
    await settled;
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(outcome)).toBe(true);
    expect(outcome).toMatchObject({ code: 'ERR_PULSEWATCH_TIMEOUT', timeout: 10_000 });
    expect((outcome as Error).message).toContain('"slow"');
  });

  it('drops an answer that comes after the timeout', async () => {
    const late = deferred<string>();
    const breaker = h.monitor.circuitBreaker('slow', () => late.promise, { timeout: 100 });
    const call = rejectionOf(breaker.fire());
    h.clock.advance(100);
    expect(await call).toBeInstanceOf(TimeoutError);
    late.resolve('too late');
    // The breaker's reaction to the late answer was registered first, so it has run after this.
    await late.promise;
    expect(breaker.stats()).toMatchObject({ timeouts: 1, successes: 0, calls: 1 });
  });

  it('counts timeouts as failures towards opening', async () => {
    const breaker = h.monitor.circuitBreaker('slow', () => new Promise<string>(() => {}), { timeout: 50, failureThreshold: 2 });
    const calls = [rejectionOf(breaker.fire()), rejectionOf(breaker.fire())];
    h.clock.advance(50);
    await Promise.all(calls);
    expect(breaker.state).toBe('open');
    await expect(breaker.fire()).rejects.toBeInstanceOf(BreakerOpenError);
  });

  it('expires each call at its own deadline', async () => {
    const breaker = h.monitor.circuitBreaker('slow', () => new Promise<string>(() => {}), { timeout: '10s', failureThreshold: 10 });
    const settled: string[] = [];
    const a = breaker.fire().catch(() => settled.push('a'));
    h.clock.advance(4_000);
    const b = breaker.fire().catch(() => settled.push('b'));
    h.clock.advance(6_000);
    await a;
    expect(settled).toEqual(['a']);
    h.clock.advance(3_999); // b's deadline is not due yet
    // Counted synchronously by the sweep: b expiring early would show here at once.
    expect(breaker.stats()).toMatchObject({ timeouts: 1 });
    expect(settled).toEqual(['a']);
    h.clock.advance(1);
    await b;
    expect(settled).toEqual(['a', 'b']);
  });

  it('uses one timer for all calls of all breakers, not one per call', async () => {
    await startMonitor(h);
    const base = h.clock.pendingTimers;
    const ten = h.monitor.circuitBreaker('ten', () => new Promise<string>(() => {}), { timeout: '10s', failureThreshold: 1000 });
    const two = h.monitor.circuitBreaker('two', () => new Promise<string>(() => {}), { timeout: '2s', failureThreshold: 1000 });
    const outcomes: string[] = [];
    const tens: Promise<unknown>[] = [];
    const twos: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) tens.push(ten.fire().catch(() => outcomes.push('ten')));
    for (let i = 0; i < 50; i++) twos.push(two.fire().catch(() => outcomes.push('two')));
    expect(h.clock.pendingTimers).toBe(base + 1);
    h.clock.advance(2_000);
    await Promise.all(twos);
    expect(outcomes).toEqual(Array(50).fill('two'));
    expect(h.clock.pendingTimers).toBe(base + 1);
    h.clock.advance(8_000);
    await Promise.all(tens);
    expect(outcomes.length).toBe(100);
    // Nothing waits: the timer is not re-armed.
    expect(h.clock.pendingTimers).toBe(base);
  });

  it('arms nothing for calls that answer in time, once the timer has fired', async () => {
    await startMonitor(h);
    const base = h.clock.pendingTimers;
    const breaker = h.monitor.circuitBreaker('fast', async () => 'ok', { timeout: '1s' });
    await breaker.fire();
    h.clock.advance(1_000);
    expect(h.clock.pendingTimers).toBe(base);
  });

  it('with timeout: false, waits as long as the function does and arms no timer', async () => {
    await startMonitor(h);
    const base = h.clock.pendingTimers;
    const answer = deferred<string>();
    const breaker = h.monitor.circuitBreaker('patient', () => answer.promise, { timeout: false });
    const call = breaker.fire();
    expect(h.clock.pendingTimers).toBe(base);
    h.clock.advance(3_600_000);
    answer.resolve('finally');
    await expect(call).resolves.toBe('finally');
  });

  it('counts a TimeoutError the function throws itself as a failure, not a timeout', async () => {
    const breaker = h.monitor.circuitBreaker('proxy', async () => {
      throw new TimeoutError('upstream timed out', 5);
    });
    await expect(breaker.fire()).rejects.toThrow('upstream timed out');
    expect(breaker.stats()).toMatchObject({ failures: 1, timeouts: 0 });
  });
});

describe('fallback', () => {
  it('answers with fallback(...args, error) when the function fails', async () => {
    const fallback = vi.fn((id: string, _error: unknown) => `cached ${id}`);
    const breaker = h.monitor.circuitBreaker('users', async (id: string): Promise<string> => {
      throw new Error(`no ${id}`);
    }, { fallback });
    await expect(breaker.fire('u1')).resolves.toBe('cached u1');
    expect(fallback).toHaveBeenCalledWith('u1', expect.objectContaining({ message: 'no u1' }));
    expect(breaker.stats()).toMatchObject({ fallbacks: 1, failures: 0, calls: 1 });
  });

  it('gets a BreakerOpenError while open and a TimeoutError on a timeout', async () => {
    const reasons: unknown[] = [];
    const breaker = h.monitor.circuitBreaker('users', () => new Promise<string>(() => {}), {
      timeout: 100,
      failureThreshold: 1,
      fallback: (error) => {
        reasons.push(error);
        return 'stale';
      },
    });
    const first = breaker.fire();
    h.clock.advance(100);
    await expect(first).resolves.toBe('stale');
    await expect(breaker.fire()).resolves.toBe('stale');
    expect(reasons[0]).toBeInstanceOf(TimeoutError);
    expect(reasons[1]).toBeInstanceOf(BreakerOpenError);
    expect(breaker.stats()).toMatchObject({ fallbacks: 2, rejects: 0, timeouts: 0 });
  });

  it('counts the failure behind a fallback towards opening', async () => {
    const breaker = h.monitor.circuitBreaker('users', async (): Promise<string> => {
      throw new Error('down');
    }, { failureThreshold: 2, fallback: () => 'stale' });
    await breaker.fire();
    await breaker.fire();
    expect(breaker.state).toBe('open');
  });

  it("rejects with the fallback's error when the fallback fails too, counted under the original outcome", async () => {
    const breaker = h.monitor.circuitBreaker('users', async () => {
      throw new Error('primary down');
    }, {
      fallback: async () => {
        throw new Error('cache down too');
      },
    });
    await expect(breaker.fire()).rejects.toThrow('cache down too');
    expect(breaker.stats()).toMatchObject({ failures: 1, fallbacks: 0 });
  });

  it('is not used for errors isFailure does not count', async () => {
    const fallback = vi.fn(() => 'stale');
    const breaker = h.monitor.circuitBreaker('users', async (): Promise<string> => {
      throw new NotFound('404');
    }, { fallback, isFailure: (e) => !(e instanceof NotFound) });
    await expect(breaker.fire()).rejects.toBeInstanceOf(NotFound);
    expect(fallback).not.toHaveBeenCalled();
  });
});

describe('isFailure filter', () => {
  const lookup = (error: Error) => async (): Promise<string> => {
    throw error;
  };

  it('rethrows errors it rejects unchanged and does not count them against the breaker', async () => {
    const notFound = new NotFound('no such user');
    const breaker = h.monitor.circuitBreaker('users', lookup(notFound), { failureThreshold: 2, isFailure: (e) => !(e instanceof NotFound) });
    for (let i = 0; i < 5; i++) expect(await rejectionOf(breaker.fire())).toBe(notFound);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ ignored: 5, failures: 0, consecutiveFailures: 0 });
  });

  it('still counts the errors it accepts', async () => {
    const breaker = h.monitor.circuitBreaker('users', lookup(new Error('500')), { failureThreshold: 2, isFailure: (e) => !(e instanceof NotFound) });
    await failTimes(() => breaker.fire(), 2);
    expect(breaker.state).toBe('open');
  });

  it('breaks a run of failures like a success does', async () => {
    let error: Error = new Error('500');
    const breaker = h.monitor.circuitBreaker('users', async () => {
      throw error;
    }, { failureThreshold: 2, isFailure: (e) => !(e instanceof NotFound) });
    await failTimes(() => breaker.fire(), 1);
    error = new NotFound('404');
    await failTimes(() => breaker.fire(), 1);
    error = new Error('500');
    await failTimes(() => breaker.fire(), 1);
    expect(breaker.state).toBe('closed');
  });

  it('counts an error when the filter itself throws', async () => {
    const breaker = h.monitor.circuitBreaker('users', lookup(new Error('500')), {
      failureThreshold: 1,
      isFailure: () => {
        throw new Error('filter bug');
      },
    });
    await expect(breaker.fire()).rejects.toThrow('500');
    expect(breaker.state).toBe('open');
  });

  it('never filters our own timeouts', async () => {
    const breaker = h.monitor.circuitBreaker('users', () => new Promise<string>(() => {}), { timeout: 10, failureThreshold: 1, isFailure: () => false });
    const call = rejectionOf(breaker.fire());
    h.clock.advance(10);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(breaker.state).toBe('open');
  });

  it('closes a half-open breaker whose trial ends in an ignored error (opossum errorFilter semantics)', async () => {
    let error: Error = new Error('500');
    const breaker = h.monitor.circuitBreaker('users', async () => {
      throw error;
    }, { failureThreshold: 1, resetTimeout: 1_000, isFailure: (e) => !(e instanceof NotFound) });
    await failTimes(() => breaker.fire(), 1);
    h.clock.advance(1_000);
    expect(breaker.state).toBe('halfOpen');
    error = new NotFound('404');
    await expect(breaker.fire()).rejects.toBeInstanceOf(NotFound);
    expect(breaker.state).toBe('closed');
  });
});

describe('functions', () => {
  it('accepts a synchronous function and resolves with its value', async () => {
    const breaker = h.monitor.circuitBreaker('sum', (a: number, b: number) => a + b);
    await expect(breaker.fire(2, 3)).resolves.toBe(5);
    expect(breaker.stats().successes).toBe(1);
  });

  it('accepts a function returning undefined (opossum would call .then on it)', async () => {
    const breaker = h.monitor.circuitBreaker('noop', () => undefined);
    await expect(breaker.fire()).resolves.toBeUndefined();
  });

  it('calls fn as a plain function: the breaker does not leak in as `this`', async () => {
    const breaker = h.monitor.circuitBreaker('self', function (this: unknown) {
      return this;
    });
    await expect(breaker.fire()).resolves.toBeUndefined();
  });

  it('passes every argument through, in the half-open trial too', async () => {
    const seen: unknown[][] = [];
    let fail = true;
    const breaker = h.monitor.circuitBreaker('echo', async (a: string, b: number) => {
      seen.push([a, b]);
      if (fail) throw new Error('x');
      return `${a}${b}`;
    }, { failureThreshold: 1, resetTimeout: 10 });
    await failTimes(() => breaker.fire('a', 1), 1);
    h.clock.advance(10);
    fail = false;
    await expect(breaker.fire('b', 2)).resolves.toBe('b2');
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});
