/**
 * close() leaves no timer behind: an attempt it gives up on past the close
 * bound also loses its own `timeout` timer, and its type's p-queue ends its loop, instead of both
 * waiting out the attempt's timeout (minutes, for a long job) after close() resolved.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

describe('close() and a running attempt with a timeout', () => {
  for (const timeout of [undefined, '10m'] as const) {
    it(`leaves no timer behind (timeout ${String(timeout)})`, async () => {
      const clock = new ManualClock();
      const monitor = createMonitor({ clock, jobs: { closeTimeout: '1s' } });
      let signal: AbortSignal | undefined;
      monitor.jobs.define('hangs', (_p, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      }, timeout === undefined ? {} : { timeout });
      const handle = await monitor.jobs.enqueue('hangs', 1);
      await clock.advanceAsync(0);
      expect(monitor.jobs.describe('hangs')?.state.running).toBe(1);
      const closing = monitor.close();
      await clock.advanceAsync(1_000);
      await closing;
      await expect(handle.result).rejects.toThrow(/close bound/);
      expect(signal?.aborted).toBe(true);
      expect(clock.pendingTimers).toBe(0);
    });
  }
});
