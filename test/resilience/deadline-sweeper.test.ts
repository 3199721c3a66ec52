import { describe, expect, it } from 'vitest';
import { ClosedError, TimeoutError } from '../../src/core/errors.js';
import { TimeoutSweeper } from '../../src/resilience/deadline-sweeper.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

function setup(timeout = 1_000) {
  const clock = new ManualClock();
  const sweeper = new TimeoutSweeper(clock);
  const list = sweeper.list(timeout, () => new TimeoutError('late', timeout));
  const expired: string[] = [];
  /** Starts a call that never answers; the promise settles once its expiry is recorded. */
  const track = (name: string): Promise<unknown> =>
    list.track(new Promise(() => {}), clock.monotonic()).catch((e: unknown) => expired.push(`${name}:${(e as Error).name}`));
  return { clock, sweeper, list, expired, track };
}

describe('TimeoutSweeper', () => {
  it('passes values and errors through and unlinks answered calls at once', async () => {
    const { clock, list } = setup();
    await expect(list.track(Promise.resolve('v'), clock.monotonic())).resolves.toBe('v');
    await expect(list.track(Promise.reject(new Error('e')), clock.monotonic())).rejects.toThrow('e');
    expect(list.size).toBe(0);
  });

  it('expires calls in deadline order, even when the clock was set back between them', async () => {
    const { clock, expired, track } = setup();
    const a = track('a');
    clock.set(clock.now() - 500);
    const b = track('b'); // deadline 500 ms before a's
    clock.advance(1_000);
    await b;
    expect(expired).toEqual(['b:TimeoutError']);
    clock.advance(500);
    await a;
    expect(expired).toEqual(['b:TimeoutError', 'a:TimeoutError']);
  });

  it('disarms when nothing waits and re-arms for the next call', async () => {
    const { clock, sweeper, track } = setup();
    track('a');
    expect(sweeper.armed).toBe(true);
    clock.advance(1_000);
    expect(sweeper.armed).toBe(false);
    track('b');
    expect(sweeper.armed).toBe(true);
  });

  it('on close, clears its timer and rejects waiting calls with the given error', async () => {
    const { clock, sweeper, expired, track } = setup();
    const calls = [track('a'), track('b')];
    sweeper.close(() => new ClosedError());
    await Promise.all(calls);
    expect(clock.pendingTimers).toBe(0);
    expect(expired).toEqual(['a:ClosedError', 'b:ClosedError']);
  });
});
