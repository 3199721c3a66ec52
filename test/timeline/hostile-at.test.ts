/**
 * `mark` never throws outside strict mode, whatever `at` is: an object that looks like a Date
 * (its prototype) without being one, or a Proxy whose traps throw, is refused as no time with the
 * usual error event, as NaN is.
 */
import { describe, expect, it } from 'vitest';
import type { ValidationError } from '../../src/index.js';
import { T0, setup } from './helpers.js';

describe('a hostile `at`', () => {
  it('refuses an object that is no Date, or whose traps throw, with a ValidationError naming `at`, never throwing', () => {
    const { timelines, errors, drops } = setup();
    const chat = timelines.create('chat', { phases: ['queued', 'delivered'] });
    const trap = (): never => {
      throw new Error('trap');
    };
    const hostile = [
      Object.create(Date.prototype) as Date,
      new Proxy({}, { getPrototypeOf: trap, get: trap, has: trap }) as Date,
      new Proxy(new Date(T0), { getPrototypeOf: trap, get: trap }) as Date,
      { getTime: () => T0 } as unknown as Date,
    ];
    for (const at of hostile) expect(chat.mark('m1', 'queued', at)).toBe(false);
    expect(errors.map((e) => (e as ValidationError).issues[0]!)).toEqual(
      hostile.map(() => ({ path: 'at', message: 'must be a time in ms since the epoch or a Date, got a value of type object' })),
    );
    expect(drops.filter((d) => d.reason === 'invalid_value')).toHaveLength(hostile.length);
    // A real Date still is a time; an invalid one is named as such.
    expect(chat.mark('m1', 'queued', new Date(T0 - 1_000))).toBe(true);
    expect(chat.mark('m2', 'queued', new Date('nope'))).toBe(false);
    expect(errors.at(-1)!.message).toMatch(/got an invalid Date$/);
    expect(chat.openEntries).toBe(1);
  });
});
