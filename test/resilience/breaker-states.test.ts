import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakerOpenError, TimeoutError, isBreakerOpenError } from '../../src/core/errors.js';
import { breakerHarness, deferred, failTimes, rejectionOf, type BreakerHarness } from './helpers.js';

const boom = async (): Promise<string> => {
  throw new Error('boom');
};

describe('opening after consecutive failures (seed 000: 5)', () => {
  let h: BreakerHarness;
  beforeEach(() => {
    h = breakerHarness();
  });
  afterEach(async () => {
    await h.monitor.close();
  });

  it('opens on the 5th consecutive failure by default, not before', async () => {
    const breaker = h.monitor.circuitBreaker('api', boom);
    await failTimes(() => breaker.fire(), 4);
    expect(breaker.state).toBe('closed');
    await failTimes(() => breaker.fire(), 1);
    expect(breaker.state).toBe('open');
  });

  it('starts counting again after a success', async () => {
    let fail = true;
    const breaker = h.monitor.circuitBreaker('api', async () => {
      if (fail) throw new Error('boom');
      return 'ok';
    }, { failureThreshold: 3 });
    await failTimes(() => breaker.fire(), 2);
    fail = false;
    await breaker.fire();
    fail = true;
    await failTimes(() => breaker.fire(), 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().consecutiveFailures).toBe(2);
    await failTimes(() => breaker.fire(), 1);
    expect(breaker.state).toBe('open');
  });

  it('refuses calls while open with a BreakerOpenError naming the breaker, without calling fn', async () => {
    const fn = vi.fn(boom);
    const breaker = h.monitor.circuitBreaker('payments', fn, { failureThreshold: 2 });
    await failTimes(() => breaker.fire(), 2);
    const error = await rejectionOf(breaker.fire());
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(isBreakerOpenError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_PULSEWATCH_BREAKER_OPEN', breaker: 'payments' });
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('treats a synchronous throw like a rejection', async () => {
    const breaker = h.monitor.circuitBreaker('sync', (): number => {
      throw new Error('sync boom');
    }, { failureThreshold: 2 });
    await expect(breaker.fire()).rejects.toThrow('sync boom');
    await expect(breaker.fire()).rejects.toThrow('sync boom');
    expect(breaker.state).toBe('open');
  });
});

describe('half-open after resetTimeout', () => {
  let h: BreakerHarness;
  beforeEach(() => {
    h = breakerHarness();
  });
  afterEach(async () => {
    await h.monitor.close();
  });

  async function openBreaker(fn: () => Promise<string>) {
    const breaker = h.monitor.circuitBreaker('api', fn, { failureThreshold: 1, resetTimeout: '60s', timeout: false });
    return breaker;
  }

  it('stays open for resetTimeout, then goes half-open', async () => {
    const breaker = await openBreaker(boom);
    await failTimes(() => breaker.fire(), 1);
    h.clock.advance(59_999);
    expect(breaker.state).toBe('open');
    h.clock.advance(1);
    expect(breaker.state).toBe('halfOpen');
  });

  it('lets exactly one trial call through while half-open', async () => {
    const trial = deferred<string>();
    let calls = 0;
    const breaker = await openBreaker(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('boom')) : trial.promise;
    });
    await failTimes(() => breaker.fire(), 1);
    h.clock.advance(60_000);
    const first = breaker.fire();
    const second = rejectionOf(breaker.fire());
    const third = rejectionOf(breaker.fire());
    expect(await second).toBeInstanceOf(BreakerOpenError);
    expect(await third).toBeInstanceOf(BreakerOpenError);
    expect(calls).toBe(2);
    trial.resolve('recovered');
    await expect(first).resolves.toBe('recovered');
    expect(breaker.state).toBe('closed');
  });

  it('closes when the trial succeeds, and calls flow again', async () => {
    let healthy = false;
    const breaker = await openBreaker(async () => {
      if (!healthy) throw new Error('down');
      return 'ok';
    });
    await failTimes(() => breaker.fire(), 1);
    h.clock.advance(60_000);
    healthy = true;
    await expect(breaker.fire()).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    await expect(breaker.fire()).resolves.toBe('ok');
    await expect(breaker.fire()).resolves.toBe('ok');
  });

  it('reopens when the trial fails, for another full resetTimeout', async () => {
    const breaker = await openBreaker(boom);
    await failTimes(() => breaker.fire(), 1);
    h.clock.advance(60_000);
    expect(breaker.state).toBe('halfOpen');
    await expect(breaker.fire()).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    h.clock.advance(59_999);
    expect(breaker.state).toBe('open');
    await expect(breaker.fire()).rejects.toBeInstanceOf(BreakerOpenError);
    h.clock.advance(1);
    expect(breaker.state).toBe('halfOpen');
  });

  it('times the trial out like any call, and reopens', async () => {
    const trial = deferred<string>();
    let calls = 0;
    const breaker = h.monitor.circuitBreaker('api', () => (++calls === 1 ? Promise.reject(new Error('boom')) : trial.promise), {
      failureThreshold: 1,
      resetTimeout: '60s',
      timeout: '5s',
    });
    await failTimes(() => breaker.fire(), 1);
    h.clock.advance(60_000);
    const call = rejectionOf(breaker.fire());
    h.clock.advance(5_000);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(breaker.state).toBe('open');
    expect(breaker.stats()).toMatchObject({ timeouts: 1, failures: 1 });
  });

  it('records the transitions as breakerStateChanged events on the monitor clock', async () => {
    let healthy = false;
    const breaker = await openBreaker(async () => {
      if (!healthy) throw new Error('down');
      return 'ok';
    });
    const t0 = h.clock.now();
    await failTimes(() => breaker.fire(), 1);
    h.clock.advance(60_000);
    healthy = true;
    await breaker.fire();
    expect(h.transitions).toEqual([
      { name: 'api', from: 'closed', to: 'open', at: t0 },
      { name: 'api', from: 'open', to: 'halfOpen', at: t0 + 60_000 },
      { name: 'api', from: 'halfOpen', to: 'closed', at: t0 + 60_000 },
    ]);
  });
});

describe('error percentage over a rolling window', () => {
  let h: BreakerHarness;
  beforeEach(() => {
    h = breakerHarness();
  });
  afterEach(async () => {
    await h.monitor.close();
  });

  function flaky() {
    const results: boolean[] = [];
    const breaker = h.monitor.circuitBreaker('search', async (ok: boolean) => {
      results.push(ok);
      if (!ok) throw new Error('failed');
      return 'ok';
    }, { errorThresholdPercentage: 50, volumeThreshold: 4, rollingCountTimeout: '10s', rollingCountBuckets: 10 });
    const fire = (ok: boolean) => breaker.fire(ok).catch(() => 'caught');
    return { breaker, fire };
  }

  it('stays closed below volumeThreshold whatever the percentage', async () => {
    const { breaker, fire } = flaky();
    await fire(false);
    await fire(false);
    await fire(false);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().window).toEqual({ calls: 3, failures: 3, errorPercentage: 100 });
  });

  it('opens once the volume is reached and failures exceed the percentage (not at exactly 50%)', async () => {
    const { breaker, fire } = flaky();
    await fire(true);
    await fire(false);
    await fire(true);
    await fire(false);
    expect(breaker.stats().window?.errorPercentage).toBe(50);
    expect(breaker.state).toBe('closed');
    await fire(false);
    expect(breaker.state).toBe('open');
  });

  it('forgets calls that rotated out of the window (rotation runs on the monitor clock)', async () => {
    const { breaker, fire } = flaky();
    await fire(false);
    await fire(false);
    await fire(false);
    h.clock.advance(10_000);
    expect(breaker.stats().window).toEqual({ calls: 0, failures: 0, errorPercentage: 0 });
    await fire(true);
    await fire(true);
    await fire(true);
    await fire(false);
    expect(breaker.state).toBe('closed');
  });

  it('with a percentage, does not also apply the default 5 consecutive failures', async () => {
    const breaker = h.monitor.circuitBreaker('bulk', boom, { errorThresholdPercentage: 99, volumeThreshold: 1000 });
    await failTimes(() => breaker.fire(), 20);
    expect(breaker.state).toBe('closed');
    expect(breaker.options.failureThreshold).toBe(false);
  });

  it('applies both rules when both are given: whichever trips first', async () => {
    const breaker = h.monitor.circuitBreaker('both', boom, { errorThresholdPercentage: 50, volumeThreshold: 1000, failureThreshold: 3 });
    await failTimes(() => breaker.fire(), 3);
    expect(breaker.state).toBe('open');
  });
});

describe('calls in flight when the state changes', () => {
  it('a success that lands while open neither closes the breaker nor throws', async () => {
    const h = breakerHarness();
    const slow = deferred<string>();
    let n = 0;
    const breaker = h.monitor.circuitBreaker('api', () => (n++ === 0 ? slow.promise : Promise.reject(new Error('x'))), { failureThreshold: 2, timeout: false });
    const pending = breaker.fire();
    await failTimes(() => breaker.fire(), 2);
    expect(breaker.state).toBe('open');
    slow.resolve('late');
    await expect(pending).resolves.toBe('late');
    expect(breaker.state).toBe('open');
    await h.monitor.close();
  });
});
