import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BreakerOpenError, ConfigError, TimeoutError } from '../../src/core/errors.js';
import type { BreakerEventName } from '../../src/resilience/breaker-events.js';
import { breakerHarness, deferred, rejectionOf, type BreakerHarness } from './helpers.js';

const NAMES: BreakerEventName[] = ['fire', 'success', 'failure', 'timeout', 'reject', 'open', 'halfOpen', 'close', 'fallback'];

let h: BreakerHarness;
beforeEach(() => {
  h = breakerHarness();
});
afterEach(async () => {
  await h.monitor.close();
});

/** Subscribes to every event of `breaker` and returns the names in the order they came. */
function record(breaker: { on(event: BreakerEventName, listener: (...args: never[]) => void): () => void }): string[] {
  const seen: string[] = [];
  for (const name of NAMES) breaker.on(name, () => seen.push(name));
  return seen;
}

describe("breaker.on(): opossum's event names and order", () => {
  it('fire then success, with the value and the latency on the monitor clock', async () => {
    const answer = deferred<string>();
    const breaker = h.monitor.circuitBreaker('api', () => answer.promise, { timeout: false });
    const seen = record(breaker);
    let payload: unknown[] = [];
    breaker.on('success', (...args) => (payload = args));
    const call = breaker.fire();
    h.clock.advance(25);
    answer.resolve('ok');
    await call;
    expect(seen).toEqual(['fire', 'success']);
    expect(payload).toEqual(['ok', 25]);
  });

  it('fire, failure, open, then fallback for the failure that opens the breaker', async () => {
    const breaker = h.monitor.circuitBreaker('api', async (_id: string): Promise<string> => {
      throw new Error('down');
    }, { failureThreshold: 1, fallback: () => 'stale' });
    const seen = record(breaker);
    let failure: unknown[] = [];
    breaker.on('failure', (...args) => (failure = args));
    await expect(breaker.fire('u1')).resolves.toBe('stale');
    expect(seen).toEqual(['fire', 'failure', 'open', 'fallback']);
    expect(failure).toEqual([expect.objectContaining({ message: 'down' }), 0, ['u1']]);
  });

  it('fire, timeout, then failure for a call past its deadline', async () => {
    const breaker = h.monitor.circuitBreaker('api', () => new Promise<string>(() => {}), { timeout: 100 });
    const seen = record(breaker);
    let timeout: unknown[] = [];
    breaker.on('timeout', (...args) => (timeout = args));
    const call = rejectionOf(breaker.fire());
    h.clock.advance(100);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(seen).toEqual(['fire', 'timeout', 'failure']);
    expect(timeout[0]).toBeInstanceOf(TimeoutError);
    expect(timeout[1]).toBe(100);
  });

  it('fire then reject while open; halfOpen with resetTimeout, then close and success for a good trial', async () => {
    let healthy = false;
    const breaker = h.monitor.circuitBreaker('api', async () => {
      if (!healthy) throw new Error('down');
      return 'ok';
    }, { failureThreshold: 1, resetTimeout: 1_000 });
    await breaker.fire().catch(() => undefined);
    const seen = record(breaker);
    let reject: unknown;
    let halfOpen: unknown;
    breaker.on('reject', (error) => (reject = error));
    breaker.on('halfOpen', (resetTimeout) => (halfOpen = resetTimeout));
    await breaker.fire().catch(() => undefined);
    expect(reject).toBeInstanceOf(BreakerOpenError);
    h.clock.advance(1_000);
    expect(halfOpen).toBe(1_000);
    healthy = true;
    await breaker.fire();
    expect(seen).toEqual(['fire', 'reject', 'halfOpen', 'fire', 'close', 'success']);
  });

  it('emits neither success nor failure for an error isFailure does not count', async () => {
    const breaker = h.monitor.circuitBreaker('api', async (): Promise<string> => {
      throw new Error('404');
    }, { isFailure: () => false });
    const seen = record(breaker);
    await breaker.fire().catch(() => undefined);
    expect(seen).toEqual(['fire']);
  });
});

describe('breaker.on(): listeners', () => {
  it('returns a function that removes the listener', async () => {
    const breaker = h.monitor.circuitBreaker('api', async () => 'ok');
    let fires = 0;
    const off = breaker.on('fire', () => fires++);
    await breaker.fire();
    off();
    await breaker.fire();
    expect(fires).toBe(1);
  });

  it('reports a listener that throws on the monitor error event; the call is not affected', async () => {
    const breaker = h.monitor.circuitBreaker('api', async () => 'ok');
    breaker.on('success', () => {
      throw new Error('listener bug');
    });
    await expect(breaker.fire()).resolves.toBe('ok');
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([
      ['ERR_PULSEWATCH_INTERNAL', 'circuit breaker "api": a "success" listener threw: listener bug'],
    ]);
  });

  it('throws a ConfigError for an unknown event name or a listener that is not a function', () => {
    const breaker = h.monitor.circuitBreaker('api', async () => 'ok');
    expect(() => breaker.on('halfopen' as 'fire', () => undefined)).toThrow(ConfigError);
    expect(() => breaker.on('halfopen' as 'fire', () => undefined)).toThrow(/unknown event "halfopen"; events are fire, success/);
    expect(() => breaker.on('fire', 'nope' as never)).toThrow(ConfigError);
  });
});
