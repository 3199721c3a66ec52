/**
 * A function may return anything: a "thenable" whose `then` getter or method throws is a
 * failed call like a rejection (what `await` makes of it), never a throw out of `fire()`, and it
 * ends at once: counted, its fallback used, and, as the half-open trial, deciding the state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BreakerOpenError } from '../../src/core/errors.js';
import { breakerHarness, rejectionOf, type BreakerHarness } from './helpers.js';

let h: BreakerHarness;
beforeEach(() => {
  h = breakerHarness();
});
afterEach(async () => {
  await h.monitor.close();
});

const getterThrows = (): Promise<string> => ({ get then(): never { throw new Error('then getter'); } }) as unknown as Promise<string>;
const methodThrows = (): Promise<string> => ({ then(): never { throw new Error('then method'); } }) as unknown as Promise<string>;

describe('a function returning a thenable that throws', () => {
  for (const [what, fn] of [['whose then getter throws', getterThrows], ['whose then method throws', methodThrows]] as const) {
    for (const timeout of [10_000, false] as const) {
      it(`${what} (timeout ${String(timeout)}): fire rejects with its error, counted as a failure at once`, async () => {
        const breaker = h.monitor.circuitBreaker('hostile', fn, { timeout, failureThreshold: 2 });
        let thrown: unknown;
        let call: Promise<string> | undefined;
        try {
          call = breaker.fire();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeUndefined();
        expect(((await rejectionOf(call!)) as Error).message).toMatch(/^then (getter|method)$/);
        expect(breaker.stats()).toMatchObject({ calls: 1, failures: 1, timeouts: 0, consecutiveFailures: 1 });
        await rejectionOf(breaker.fire());
        expect(breaker.state).toBe('open');
      });
    }
  }

  it('gets the fallback at once, not a raw error now and a timeout counted later', async () => {
    const breaker = h.monitor.circuitBreaker('hostile', methodThrows, { timeout: 10_000, fallback: () => 'cached' });
    expect(await breaker.fire()).toBe('cached');
    expect(breaker.stats()).toMatchObject({ calls: 1, fallbacks: 1, timeouts: 0 });
    h.clock.advance(10_000);
    expect(breaker.stats()).toMatchObject({ calls: 1, fallbacks: 1, timeouts: 0 });
  });

  it('as the half-open trial, reopens the breaker instead of leaving it half-open refusing every call', async () => {
    let hostile = false;
    const breaker = h.monitor.circuitBreaker('hostile', () => (hostile ? getterThrows() : Promise.reject(new Error('down'))), {
      failureThreshold: 1,
      resetTimeout: 1_000,
    });
    await rejectionOf(breaker.fire());
    h.clock.advance(1_000);
    expect(breaker.state).toBe('halfOpen');
    hostile = true;
    expect(((await rejectionOf(breaker.fire())) as Error).message).toBe('then getter');
    expect(breaker.state).toBe('open');
    // Another trial is let through after resetTimeout, as after any failed trial.
    hostile = false;
    h.clock.advance(1_000);
    expect(breaker.state).toBe('halfOpen');
    expect(await rejectionOf(breaker.fire())).not.toBeInstanceOf(BreakerOpenError);
  });
});
