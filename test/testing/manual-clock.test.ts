import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/testing.js';
import { deferred } from '../helpers/deferred.js';


describe('ManualClock.idle()', () => {
  it('resolves at once when no timer started a task', async () => {
    const clock = new ManualClock(0);
    clock.setTimeout(() => {}, 10);
    clock.advance(10);
    await clock.idle();
    expect(clock.runningTasks).toBe(0);
  });

  it('waits for the promise a fired timer returned, however many turns it takes', async () => {
    const clock = new ManualClock(0);
    const gate = deferred();
    let finished = false;
    clock.setTimeout(async () => {
      await gate.promise;
      // A long chain of awaits: a fixed number of event-loop turns would not cover it.
      for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      finished = true;
    }, 10);
    clock.advance(10);
    expect(clock.runningTasks).toBe(1);
    const idle = clock.idle();
    gate.resolve();
    await idle;
    expect(finished).toBe(true);
    expect(clock.runningTasks).toBe(0);
  });

  it('fires the timers a task arms for the current time, and waits for their tasks too', async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    clock.setTimeout(async () => {
      await Promise.resolve();
      order.push('first');
      clock.setTimeout(async () => {
        await Promise.resolve();
        order.push('second');
      }, 0);
    }, 10);
    clock.advance(10);
    await clock.idle();
    expect(order).toEqual(['first', 'second']);
    expect(clock.now()).toBe(10);
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets a task wait on a timer it armed for now (a zero-delay sleep) without hanging', async () => {
    const clock = new ManualClock(0);
    let finished = false;
    clock.setTimeout(async () => {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 0));
      finished = true;
    }, 10);
    clock.advance(10);
    await clock.idle();
    expect(finished).toBe(true);
  });

  it('leaves a timer a task armed for later alone: time moves only when told', async () => {
    const clock = new ManualClock(0);
    let retried = false;
    clock.setTimeout(async () => {
      await Promise.resolve();
      clock.setTimeout(() => (retried = true), 1_000);
    }, 10);
    clock.advance(10);
    await clock.idle();
    expect(retried).toBe(false);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1_000);
    expect(retried).toBe(true);
  });

  it('rejects with the reason of a task that rejected, once', async () => {
    const clock = new ManualClock(0);
    const boom = new Error('boom');
    clock.setTimeout(() => Promise.reject(boom), 10);
    clock.advance(10);
    await expect(clock.idle()).rejects.toBe(boom);
    await expect(clock.idle()).resolves.toBeUndefined();
  });

  it('rejects with an AggregateError when several tasks rejected, after the others finished', async () => {
    const clock = new ManualClock(0);
    let finished = false;
    clock.setTimeout(() => Promise.reject(new Error('a')), 10);
    clock.setTimeout(() => Promise.reject(new Error('b')), 10);
    clock.setTimeout(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      finished = true;
    }, 10);
    clock.advance(10);
    const error = await clock.idle().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['a', 'b']);
    expect(finished).toBe(true);
  });

  it('keeps only running tasks: settled ones are dropped however many timers fired', async () => {
    const clock = new ManualClock(0);
    const tick = async (): Promise<void> => {
      await Promise.resolve();
      clock.setTimeout(tick, 1);
    };
    clock.setTimeout(tick, 1);
    for (let i = 0; i < 1_000; i++) {
      clock.advance(1);
      await clock.idle();
    }
    expect(clock.runningTasks).toBe(0);
    expect(clock.pendingTimers).toBe(1);
  });

  it('waits for a task handed to track(), as for one a timer returned', async () => {
    const clock = new ManualClock(0);
    const gate = deferred();
    let finished = false;
    clock.track(
      gate.promise.then(() => {
        finished = true;
      }),
    );
    expect(clock.runningTasks).toBe(1);
    const idle = clock.idle();
    gate.resolve();
    await idle;
    expect(finished).toBe(true);
    const boom = new Error('boom');
    clock.track(Promise.reject(boom));
    await expect(clock.idle()).rejects.toBe(boom);
  });

  it('serves several callers waiting at once', async () => {
    const clock = new ManualClock(0);
    const gate = deferred();
    clock.setTimeout(() => gate.promise, 10);
    clock.advance(10);
    const both = Promise.all([clock.idle(), clock.idle()]);
    gate.resolve();
    await both;
    expect(clock.runningTasks).toBe(0);
  });
});

describe('ManualClock.advanceAsync()', () => {
  it('finishes the task of each timer before firing the next one', async () => {
    const clock = new ManualClock(0);
    const log: string[] = [];
    for (const at of [10, 20, 30]) {
      clock.setTimeout(async () => {
        log.push(`start ${at}`);
        for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
        log.push(`end ${at}`);
      }, at);
    }
    await clock.advanceAsync(30);
    expect(log).toEqual(['start 10', 'end 10', 'start 20', 'end 20', 'start 30', 'end 30']);
  });

  it('fires a retry a task arms within the advanced span, at its time', async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    clock.setTimeout(async () => {
      at.push(clock.now());
      await Promise.resolve();
      clock.setTimeout(() => at.push(clock.now()), 500);
    }, 100);
    await clock.advanceAsync(1_000);
    expect(at).toEqual([100, 600]);
    expect(clock.now()).toBe(1_000);
  });
});
