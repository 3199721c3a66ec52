import { describe, expectTypeOf, it } from 'vitest';
import type { BreakerOpenError } from '../../src/core/errors.js';
import { createMonitor } from '../../src/monitor.js';

interface Charge {
  id: string;
  amount: number;
}

declare function charge(customer: string, cents: number): Promise<Charge>;

const monitor = createMonitor();
const stripe = monitor.circuitBreaker('stripe', charge);

describe('breaker.on()', () => {
  it("types each event's payload after fn's arguments and result", () => {
    stripe.on('fire', (args) => expectTypeOf(args).toEqualTypeOf<[customer: string, cents: number]>());
    stripe.on('success', (result, latencyMs) => {
      expectTypeOf(result).toEqualTypeOf<Charge>();
      expectTypeOf(latencyMs).toEqualTypeOf<number>();
    });
    stripe.on('failure', (error, _latencyMs, args) => {
      expectTypeOf(error).toEqualTypeOf<unknown>();
      expectTypeOf(args).toEqualTypeOf<[customer: string, cents: number]>();
    });
    stripe.on('reject', (error) => expectTypeOf(error).toEqualTypeOf<BreakerOpenError>());
    stripe.on('halfOpen', (resetTimeout) => expectTypeOf(resetTimeout).toEqualTypeOf<number>());
    stripe.on('fallback', (result) => expectTypeOf(result).toEqualTypeOf<Charge>());
  });

  it('returns a disposer and refuses unknown event names', () => {
    expectTypeOf(stripe.on('open', () => undefined)).toEqualTypeOf<() => void>();
    // @ts-expect-error not an event of a breaker
    stripe.on('halfopen', () => undefined);
  });
});
