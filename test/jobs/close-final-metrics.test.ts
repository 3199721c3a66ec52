/**
 * monitor.close() lets a running job finish (jobs `closeTimeout`), and that job's metrics are
 * written with the rest: its outcome and run time reach the store. (The monitor closes the
 * recorder's slot before the jobs' close hook has let running attempts end, so whatever they
 * record then is never written.)
 */
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { timedBody } from './harness.js';

describe('monitor.close() and a job that finishes while it closes', () => {
  for (const finishes of ['before close()', 'during close()'] as const) {
    it(`writes the job's outcome and run time when it finishes ${finishes}`, async () => {
      const clock = new ManualClock();
      const storage = new MemoryStorage({ now: () => clock.now() });
      const monitor = createMonitor({ clock, storage, service: 'publisher' });
      const { body } = timedBody(clock, 500);
      monitor.jobs.define('media', body);
      const handle = await monitor.jobs.enqueue('media', 1);
      await clock.advanceAsync(finishes === 'before close()' ? 500 : 100);
      const closing = monitor.close();
      await clock.advanceAsync(500);
      await closing;
      expect(await handle.result).toBeUndefined();
      const outcomes = await storage.queryRollups({ name: 'job_outcomes_total', labels: { type: 'media', outcome: 'success' } });
      expect(outcomes.reduce((n, r) => n + r.sum, 0)).toBe(1);
      const runs = await storage.queryRollups({ name: 'job_run_duration_seconds', labels: { type: 'media', outcome: 'success' } });
      expect(runs.reduce((n, r) => n + r.count, 0)).toBe(1);
    });
  }
});
