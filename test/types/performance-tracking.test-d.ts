import { describe, expectTypeOf, it } from 'vitest';
import { createMonitor, type PerformanceTrackingOptions } from '../../src/index.js';

const monitor = createMonitor();

describe('withPerformanceTracking types', () => {
  it('keeps the argument and return types of a synchronous function', () => {
    const add = monitor.withPerformanceTracking((a: number, b: number) => a + b, { name: 'add' });
    expectTypeOf(add).toEqualTypeOf<(a: number, b: number) => number>();
    expectTypeOf(add).parameters.toEqualTypeOf<[a: number, b: number]>();
    expectTypeOf(add).returns.toEqualTypeOf<number>();
    // @ts-expect-error a string is not a number
    add('1', 2);
    // @ts-expect-error missing argument
    add(1);
  });

  it('keeps the argument and promise types of an async function', () => {
    const create = monitor.withPerformanceTracking(async (data: { room: string }) => ({ id: 'r1', ...data }), {
      name: 'process_reservation',
      service: 'reservations',
      operation: 'create',
      labels: { organizationId: 'org-123' },
    });
    expectTypeOf(create).parameters.toEqualTypeOf<[data: { room: string }]>();
    expectTypeOf(create).returns.toEqualTypeOf<Promise<{ id: string; room: string }>>();
    // @ts-expect-error wrong payload shape
    void create({ rooms: '101' });
  });

  it('keeps optional and rest parameters', () => {
    const log = monitor.withPerformanceTracking((level: 'info' | 'warn', ...parts: string[]): void => void [level, parts], { name: 'log' });
    expectTypeOf(log).parameters.toEqualTypeOf<[level: 'info' | 'warn', ...parts: string[]]>();
    log('info');
    log('warn', 'a', 'b');
    // @ts-expect-error not a level
    log('debug');
    const maybe = monitor.withPerformanceTracking((id?: number) => id ?? 0, { name: 'maybe' });
    expectTypeOf(maybe).parameters.toEqualTypeOf<[id?: number]>();
  });

  it('keeps the `this` type of a method', () => {
    const account = {
      balance: 100,
      withdraw: monitor.withPerformanceTracking(function (this: { balance: number }, amount: number): number {
        return this.balance - amount;
      }, { name: 'withdraw' }),
    };
    expectTypeOf(account.withdraw).thisParameter.toEqualTypeOf<{ balance: number }>();
    expectTypeOf(account.withdraw(1)).toEqualTypeOf<number>();
  });

  it('keeps extra properties of a returned promise type', () => {
    const start = monitor.withPerformanceTracking(() => Object.assign(Promise.resolve(1), { cancel: (): boolean => true }), { name: 'cancellable' });
    expectTypeOf(start().cancel).toEqualTypeOf<() => boolean>();
    expectTypeOf(start()).resolves.toEqualTypeOf<number>();
  });

  it('accepts name, service, operation, labels and help, and nothing but a function to wrap', () => {
    expectTypeOf<PerformanceTrackingOptions>().toMatchTypeOf<{ name: string; service?: string; operation?: string; help?: string }>();
    expectTypeOf<{ name: 'x'; labels: { shard: 3; primary: true } }>().toMatchTypeOf<PerformanceTrackingOptions>();
    // @ts-expect-error name is required
    monitor.withPerformanceTracking(() => 1, { service: 'api' });
    // @ts-expect-error label values are strings, numbers or booleans
    monitor.withPerformanceTracking(() => 1, { name: 'x', labels: { nested: { a: 1 } } });
    // @ts-expect-error only functions can be wrapped
    monitor.withPerformanceTracking(42, { name: 'x' });
  });
});
