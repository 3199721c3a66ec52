import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

// docs/jobs.md#testing: a handler waiting on the ManualClock hands the clock its continuation.
describe('a job handler on the ManualClock', () => {
  it('returning its promise from the timer: advanceAsync runs four 400 ms jobs at concurrency 1 in 1,600 ms', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const monitor = createMonitor({ service: 'p', clock });
    monitor.jobs.define(
      'report',
      (payload: { id: string }) => {
        const done: Promise<string> = new Promise((resolve) => clock.setTimeout(() => (resolve(`report ${payload.id}`), done), 400));
        return done;
      },
      { concurrency: 1 },
    );
    const handles = await Promise.all(['a', 'b', 'c', 'd'].map((id) => monitor.jobs.enqueue('report', { id })));
    const ended: string[] = [];
    for (const h of handles) void h.result.then((r) => ended.push(`${r} at ${clock.now() - Date.UTC(2026, 0, 1)}`));
    await clock.advanceAsync(1_600);
    expect(ended).toEqual(['report a at 400', 'report b at 800', 'report c at 1200', 'report d at 1600']);
    await monitor.close();
  });
});
