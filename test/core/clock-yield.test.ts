import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, yieldTurn, type Clock } from '../../src/core/clock.js';
import { DeferredClock } from '../../src/core/deferred-clock.js';
import { ManualClock } from '../../src/testing.js';

/** Work queued as a macrotask before the yield: a yield that is a real turn lets it run first. */
function queuedTurn(log: string[]): void {
  setImmediate(() => log.push('other work'));
}

describe('Clock.yield', () => {
  const saved = { setImmediate: globalThis.setImmediate, MessageChannel: globalThis.MessageChannel };
  afterEach(() => {
    globalThis.setImmediate = saved.setImmediate;
    globalThis.MessageChannel = saved.MessageChannel;
  });

  it('systemClock.yield resolves on a later macrotask: work queued before it runs first', async () => {
    const log: string[] = [];
    queuedTurn(log);
    await systemClock.yield!();
    log.push('after the yield');
    expect(log).toEqual(['other work', 'after the yield']);
  });

  it('without setImmediate (an edge runtime) it still turns: through a MessageChannel, or setTimeout(0) without one', async () => {
    const log: string[] = [];
    (globalThis as { setImmediate?: unknown }).setImmediate = undefined;
    // A microtask queued before the yield runs first: the yield is a later turn, not a microtask.
    void Promise.resolve().then(() => log.push('microtask'));
    await systemClock.yield!();
    log.push('after a message turn');
    (globalThis as { MessageChannel?: unknown }).MessageChannel = undefined;
    await systemClock.yield!();
    log.push('after another turn');
    expect(log).toEqual(['microtask', 'after a message turn', 'after another turn']);
  });

  it('ManualClock.yield resolves without moving time or firing a due timer', async () => {
    const clock = new ManualClock(1_000);
    let fired = 0;
    clock.setTimeout(() => fired++, 0);
    await clock.yield();
    expect(clock.now()).toBe(1_000);
    expect(fired).toBe(0);
    await clock.idle();
    expect(fired).toBe(1);
  });

  it('DeferredClock.yield is the inner clock’s and does not count as a first use', async () => {
    class CountingClock extends ManualClock {
      yields = 0;
      override yield(): Promise<void> {
        this.yields++;
        return super.yield();
      }
    }
    const inner = new CountingClock(0);
    let used = 0;
    const clock = new DeferredClock(inner, () => used++);
    clock.ready();
    await clock.yield();
    expect(inner.yields).toBe(1);
    expect(used).toBe(0);
  });

  it('yieldTurn uses the platform’s turn for a clock without yield', async () => {
    const bare: Clock = { now: () => 0, monotonic: () => 0, setTimeout: () => undefined, clearTimeout: () => {} };
    const log: string[] = [];
    queuedTurn(log);
    await yieldTurn(bare);
    log.push('after');
    expect(log).toEqual(['other work', 'after']);
  });
});
