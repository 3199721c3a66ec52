import { describe, expect, it } from 'vitest';
import { isPulsewatchError } from '../../src/core/errors.js';
import { jobsHarness, timedBody } from './harness.js';

describe('close() under load loses nothing', () => {
  it('lets running jobs finish, dead-letters waiting and delayed ones, and refuses new ones', async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '5s' } });
    const { body, state } = timedBody(h.clock, 1_000);
    h.jobs.define('content-generation', body, { concurrency: 5 });
    let flakyRuns = 0;
    h.jobs.define('flaky', () => {
      flakyRuns++;
      throw new Error('retry me');
    }, { retries: 3 });
    const handles = await Promise.all(Array.from({ length: 50 }, (_, i) => h.jobs.enqueue('content-generation', i)));
    const flaky = await h.jobs.enqueue('flaky', 'x');
    await h.clock.advanceAsync(500);
    const closing = h.jobs.close();
    await expect(h.jobs.enqueue('content-generation', 99)).rejects.toSatisfy(isPulsewatchError);
    await h.clock.advanceAsync(1_000);
    await closing;
    const outcomes = await Promise.all(handles.map((x) => x.result.then(() => 'done', (e: Error) => e.name)));
    expect(outcomes.filter((o) => o === 'done')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'ClosedError')).toHaveLength(45);
    expect(state.ended).toHaveLength(5);
    await expect(flaky.result).rejects.toThrow(/closed/);
    expect(flakyRuns).toBe(1);
    const letters = await h.jobs.deadLetters.list();
    // Every accepted job either finished or is a dead letter: 45 never started, the flaky one in its backoff.
    expect(letters).toHaveLength(46);
    expect(new Set(letters.map((l) => l.id))).toEqual(new Set([...handles.slice(5).map((x) => x.id), flaky.id]));
    expect(letters.find((l) => l.id === flaky.id)).toMatchObject({ attempts: 1, error: 'retry me', status: 'pending' });
    expect(h.errors).toEqual([]);
  });

  it('gives up on attempts still running past the bound: aborted, dead-lettered, counted once', async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '2s' } });
    let signal: AbortSignal | undefined;
    h.jobs.define('hangs', (_p, ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    });
    const handle = await h.jobs.enqueue('hangs', { big: true });
    await h.clock.advanceAsync(0);
    const closing = h.jobs.close();
    await h.clock.advanceAsync(2_000);
    await closing;
    expect(signal?.aborted).toBe(true);
    await expect(handle.result).rejects.toThrow(/ran past the 2000 ms close bound/);
    expect((await h.jobs.deadLetters.list()).map((l) => [l.id, l.attempts, l.data])).toEqual([[handle.id, 1, { big: true }]]);
  });

  it('a dead letter written at close runs again after a restart on the same store', async () => {
    const first = jobsHarness();
    const { body } = timedBody(first.clock, 1_000);
    first.jobs.define('export-data', body, { concurrency: 1 });
    await first.jobs.enqueue('export-data', 'a');
    await first.jobs.enqueue('export-data', 'b');
    await first.clock.advanceAsync(0);
    const closing = first.jobs.close();
    await first.clock.advanceAsync(1_000);
    await closing;
    const second = jobsHarness({ clock: first.clock, storage: first.storage });
    const ran: unknown[] = [];
    second.jobs.define('export-data', (p) => void ran.push(p));
    const run = await second.jobs.deadLetters.process();
    expect(run).toMatchObject({ retried: 1 });
    await second.clock.advanceAsync(0);
    await second.jobs.close();
    expect(ran).toEqual(['b']);
    expect(await second.jobs.deadLetters.list()).toEqual([]);
  });
});
