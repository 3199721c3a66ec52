import { describe, expect, it } from 'vitest';
import { DeferredClock } from '../../src/core/deferred-clock.js';
import { systemClock } from '../../src/core/clock.js';
import { scheduleAligned } from '../../src/core/schedule-aligned.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

describe('scheduleAligned (src/core/schedule-aligned.ts)', () => {
  it('ticks at multiples of the period from the epoch until stopped', () => {
    const clock = new ManualClock(1_000_050);
    const ticks: number[] = [];
    const stop = scheduleAligned(clock, 100, (at) => void ticks.push(at), () => {});
    clock.advance(260);
    expect(ticks).toEqual([1_000_100, 1_000_200, 1_000_300]);
    stop();
    clock.advance(500);
    expect(ticks).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a tick that throws is reported and the schedule goes on', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const reported: unknown[] = [];
    const boom = new Error('tick 200 failed');
    const stop = scheduleAligned(
      clock,
      100,
      (at) => {
        ticks.push(at);
        if (at === 200) throw boom;
      },
      (error) => reported.push(error),
    );
    // advanceAsync: idle() would reject if a throw escaped into the clock as a failed task.
    await clock.advanceAsync(400);
    expect(ticks).toEqual([100, 200, 300, 400]);
    expect(reported).toEqual([boom]);
    stop();
  });

  it('a tick whose task rejects is reported, the clock gets a task that does not reject, and the schedule goes on', async () => {
    const clock = new ManualClock(0);
    const reported: unknown[] = [];
    let n = 0;
    const stop = scheduleAligned(clock, 100, () => (++n === 1 ? Promise.reject(new Error('first')) : Promise.resolve()), (e) => reported.push(e));
    await clock.advanceAsync(300);
    expect(n).toBe(3);
    expect(reported.map((e) => (e as Error).message)).toEqual(['first']);
    stop();
  });

  it('a task still running at the next tick is handed back as the same promise (kept once by the clock)', async () => {
    const inner = new ManualClock(0);
    const clock = new DeferredClock(inner, () => {});
    clock.start();
    let finish!: () => void;
    const evaluation = new Promise<void>((resolve) => (finish = resolve));
    const stop = scheduleAligned(clock, 100, () => evaluation, () => {});
    inner.advance(300);
    expect(clock.runningTasks).toBe(1);
    expect(inner.runningTasks).toBe(1);
    finish();
    await clock.idle();
    expect(clock.runningTasks).toBe(0);
    stop();
  });

  it('on the system clock: a throwing tick neither escapes as an uncaught exception nor stops the ticks', async () => {
    const reported: unknown[] = [];
    let ticks = 0;
    let third!: () => void;
    const done = new Promise<void>((resolve) => (third = resolve));
    const stop = scheduleAligned(
      systemClock,
      10,
      () => {
        ticks++;
        if (ticks === 3) third();
        throw new Error(`tick ${ticks}`);
      },
      (e) => reported.push(e),
    );
    await done;
    stop();
    expect(reported.map((e) => (e as Error).message).slice(0, 3)).toEqual(['tick 1', 'tick 2', 'tick 3']);
  });
});
