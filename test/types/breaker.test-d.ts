import { describe, expectTypeOf, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import type { CircuitBreaker } from '../../src/resilience/breaker.js';
import type { BreakerOptions } from '../../src/resilience/breaker-options.js';
import type { BreakerState, BreakerStateChangedEvent, BreakerStats } from '../../src/resilience/types.js';

interface Charge {
  id: string;
  amount: number;
}

declare function charge(customer: string, cents: number): Promise<Charge>;

const monitor = createMonitor();

describe('fire()', () => {
  it("keeps fn's parameter types and resolves with its awaited return type", () => {
    const stripe = monitor.circuitBreaker('stripe', charge);
    expectTypeOf(stripe).toEqualTypeOf<CircuitBreaker<[customer: string, cents: number], Charge>>();
    expectTypeOf(stripe.fire).parameters.toEqualTypeOf<[customer: string, cents: number]>();
    expectTypeOf(stripe.fire('cus_1', 500)).toEqualTypeOf<Promise<Charge>>();
    // @ts-expect-error wrong argument type
    void stripe.fire('cus_1', '500');
    // @ts-expect-error missing argument
    void stripe.fire('cus_1');
  });

  it('accepts synchronous functions and functions without arguments', () => {
    const sum = monitor.circuitBreaker('sum', (a: number, b: number) => a + b);
    expectTypeOf(sum.fire(1, 2)).toEqualTypeOf<Promise<number>>();
    const ping = monitor.circuitBreaker('ping', async () => true);
    expectTypeOf(ping.fire).parameters.toEqualTypeOf<[]>();
    expectTypeOf(ping.fire()).toEqualTypeOf<Promise<boolean>>();
  });
});

describe('options', () => {
  it("types fallback after fn: the same arguments plus the error, fn's result type", () => {
    monitor.circuitBreaker('stripe', charge, {
      fallback: (customer, cents, error) => {
        expectTypeOf(customer).toEqualTypeOf<string>();
        expectTypeOf(cents).toEqualTypeOf<number>();
        expectTypeOf(error).toEqualTypeOf<unknown>();
        return { id: 'queued', amount: cents };
      },
    });
    monitor.circuitBreaker('stripe2', charge, {
      // @ts-expect-error a fallback must answer with what fn answers
      fallback: () => 'queued',
    });
  });

  it('takes durations as ms or strings, timeout false, and an isFailure filter', () => {
    const options: BreakerOptions = { failureThreshold: 5, resetTimeout: '60s', timeout: false, isFailure: (e) => !(e instanceof TypeError), critical: true };
    expectTypeOf(options.timeout).toEqualTypeOf<number | string | false | undefined>();
    // @ts-expect-error not an option
    monitor.circuitBreaker('x', charge, { threshold: 5 });
  });
});

describe('stats and events', () => {
  it('returns BreakerStats from monitor.breakers() and types the state event', () => {
    expectTypeOf(monitor.breakers()).toEqualTypeOf<BreakerStats[]>();
    expectTypeOf<BreakerStats>().toMatchTypeOf<{ name: string; state: BreakerState; critical: boolean }>();
    monitor.on('breakerStateChanged', (event) => expectTypeOf(event).toEqualTypeOf<BreakerStateChangedEvent>());
  });
});
