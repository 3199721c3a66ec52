import { describe, expect, it } from 'vitest';
import { sleep, Stretch, systemClock } from '../../src/core/clock.js';
import { scheduleAligned } from '../../src/core/schedule-aligned.js';
import { deadline } from '../../src/core/deadline.js';
import { DeferredClock } from '../../src/core/deferred-clock.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { deferred } from '../helpers/deferred.js';
import { pollUntil } from '../helpers/real-time.js';

/** A started DeferredClock on `inner`, as a monitor hands its parts after its first use. */
function started(inner: ManualClock | typeof systemClock): DeferredClock {
  const clock = new DeferredClock(inner, () => {});
  clock.start();
  return clock;
}

describe("the monitor's clock (DeferredClock) waits for the tasks its timers start", () => {
  it('on the system clock: idle() resolves after the task a fired timer returned, not before', async () => {
    const clock = started(systemClock);
    const task = deferred();
    const order: string[] = [];
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
      return task.promise.then(() => void order.push('task'));
    }, 0);
    // Real time is the subject here: the system clock's timer fires on its own.
    await pollUntil(() => fired, (f) => f, 'the 0 ms timer');
    const idle = clock.idle().then(() => void order.push('idle'));
    task.resolve();
    await idle;
    expect(order).toEqual(['task', 'idle']);
  });

  it('on the system clock: idle() waits for work handed to track(), and resolves at once with nothing running', async () => {
    const clock = started(systemClock);
    await clock.idle();
    const task = deferred();
    const order: string[] = [];
    clock.track(task.promise.then(() => void order.push('task')));
    const idle = clock.idle().then(() => void order.push('idle'));
    task.resolve();
    await idle;
    expect(order).toEqual(['task', 'idle']);
  });

  it('holds a timer asked for before the start, and tracks its task once it fires', async () => {
    const manual = new ManualClock(0);
    const clock = new DeferredClock(manual, () => {});
    const task = deferred();
    let done = false;
    clock.setTimeout(() => task.promise.then(() => void (done = true)), 100);
    expect(manual.pendingTimers).toBe(0);
    clock.start();
    manual.advance(100);
    expect(manual.runningTasks).toBe(1);
    const idle = clock.idle();
    task.resolve();
    await idle;
    expect(done).toBe(true);
    expect(manual.runningTasks).toBe(0);
  });

  it("on a ManualClock: idle() is the clock's idle(), so it fires the timers due now and waits for their tasks", async () => {
    const manual = new ManualClock(0);
    const clock = started(manual);
    const steps: string[] = [];
    clock.setTimeout(() => Promise.resolve().then(() => void steps.push('due now')), 0);
    await clock.idle();
    expect(steps).toEqual(['due now']);
  });
});

describe('a loop on a clock is tracked in stretches (Stretch, sleep resume)', () => {
  /** A loop that works, then backs off `ms` on the clock, `rounds` times; each round's work takes one task. */
  function loop(clock: ManualClock, rounds: number, ms: number, work: () => Promise<void>): { done: Promise<void>; log: string[] } {
    const log: string[] = [];
    const stretch = new Stretch(clock);
    const signal = new AbortController().signal;
    stretch.beginTracked();
    const done = (async () => {
      try {
        for (let i = 0; i < rounds; i++) {
          await work();
          log.push(`round ${i} at ${clock.now()}`);
          if (i === rounds - 1) break;
          stretch.close();
          await sleep(clock, ms, signal, { resume: () => stretch.begin() });
        }
      } finally {
        stretch.close();
      }
    })();
    return { done, log };
  }

  it('idle() waits for the work up to the next backoff, never for the backoff itself', async () => {
    const clock = new ManualClock(0);
    const { log, done } = loop(clock, 3, 1_000, () => Promise.resolve());
    await clock.idle();
    expect(log).toEqual(['round 0 at 0']);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1_000);
    await clock.idle();
    expect(log).toEqual(['round 0 at 0', 'round 1 at 1000']);
    await clock.advanceAsync(1_000);
    expect(log).toEqual(['round 0 at 0', 'round 1 at 1000', 'round 2 at 2000']);
    await done;
    expect(clock.runningTasks).toBe(0);
  });

  it('advanceAsync() runs every round its span covers, each after the backoff before it', async () => {
    const clock = new ManualClock(0);
    const { log } = loop(clock, 4, 500, () => Promise.resolve());
    await clock.advanceAsync(1_200);
    expect(log).toEqual(['round 0 at 0', 'round 1 at 500', 'round 2 at 1000']);
    expect(clock.now()).toBe(1_200);
  });

  it('a wake-up by the signal belongs to whoever aborted it: no stretch is opened for it', async () => {
    const clock = new ManualClock(0);
    const stretch = new Stretch(clock);
    const stop = new AbortController();
    const woken = sleep(clock, 1_000, stop.signal, { resume: () => stretch.begin() });
    stop.abort();
    await woken;
    expect(stretch.open).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('deadline() then', () => {
  it('hands the work the abort lets finish back to the clock', async () => {
    const clock = new ManualClock(0);
    const rest = deferred();
    let finished = false;
    const d = deadline(clock, 100, () => new Error('late'), { then: () => rest.promise.then(() => void (finished = true)) });
    clock.advance(100);
    expect(d.signal.aborted).toBe(true);
    expect(clock.runningTasks).toBe(1);
    const idle = clock.idle();
    rest.resolve();
    await idle;
    expect(finished).toBe(true);
  });
});

describe('a task handed to the clock again while it runs is kept once', () => {
  it('on the system clock: a rule evaluation still running at every tick holds one entry, not one per tick', async () => {
    const clock = started(systemClock);
    const evaluation = deferred();
    // What the evaluation timer hands back each tick while a slow store holds the evaluation.
    for (let tick = 0; tick < 100; tick++) clock.track(evaluation.promise);
    expect(clock.runningTasks).toBe(1);
    evaluation.resolve();
    await clock.idle();
    expect(clock.runningTasks).toBe(0);
  });

  it('on a ManualClock: the same promise returned by 100 ticks is one running task', async () => {
    const manual = new ManualClock(0);
    const clock = started(manual);
    const evaluation = deferred();
    const stop = scheduleAligned(clock, 1_000, () => evaluation.promise, () => {});
    manual.advance(100_000);
    expect(manual.runningTasks).toBe(1);
    expect(clock.runningTasks).toBe(1);
    evaluation.resolve();
    await clock.idle();
    expect(manual.runningTasks).toBe(0);
    stop();
  });
});
