import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { isConfigError, isPulsewatchError } from '../../src/core/errors.js';
import { COMPACTED_INSTANCE, type CompactionRequest, type Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Midnight UTC. */
const T0 = Date.UTC(2026, 4, 1);

/** One-minute counter rollups of `series` series and 2 instances over [from, to). */
function rollups(from: number, to: number, series = 2): Rollup[] {
  const out: Rollup[] = [];
  for (let start = from; start < to; start += 10 * MINUTE) {
    for (let s = 0; s < series; s++) {
      for (const instance of ['a', 'b']) out.push({ name: 'jobs_total', kind: 'counter', labels: { s: String(s) }, start, end: start + MINUTE, count: 1, sum: 1, min: 1, max: 1, instance });
    }
  }
  return out;
}

async function setup(compaction: unknown, clock = new ManualClock(T0 + 5 * DAY)) {
  const storage = new MemoryStorage({ now: () => clock.now(), retention: '30d', maxPointsPerSeries: 100_000 });
  await storage.writeRollups(rollups(T0, T0 + 5 * DAY));
  const errors: unknown[] = [];
  const monitor = createMonitor({ clock, storage, logger: false, compaction: compaction as never });
  monitor.on('error', (e) => errors.push(e));
  monitor.counter({ name: 'started_total' }).inc(); // a first use: the monitor starts and arms its timers
  return { clock, storage, monitor, errors };
}

const stored = async (storage: MemoryStorage) => storage.queryRollups({ name: 'jobs_total' });

describe('the compaction schedule', () => {
  it('is off by default: nothing is merged', async () => {
    const { clock, storage, monitor } = await setup(undefined);
    await clock.advanceAsync(30 * MINUTE);
    await monitor.idle();
    expect(await stored(storage)).toHaveLength(5 * 144 * 4);
    await monitor.close();
  });

  it('with `true`, merges at the next 10-minute tick: days after 3 days, hours after 1 day, the last day kept', async () => {
    const { clock, storage, monitor, errors } = await setup(true);
    const before = await stored(storage);
    await clock.advanceAsync(10 * MINUTE);
    await monitor.idle();
    const after = await stored(storage);
    const sum = (rs: Rollup[]) => rs.reduce((a, r) => a + r.sum, 0);
    expect(sum(after)).toBe(sum(before));
    // Days 1-2 ended 3 days before 10 minutes past T0 + 5 d: one rollup a series each; days 3-4 by the hour; day 5 as written.
    const compacted = after.filter((r) => r.instance === COMPACTED_INSTANCE);
    expect(compacted.filter((r) => r.end - r.start === DAY)).toHaveLength(2 * 2);
    expect(compacted.filter((r) => r.end - r.start === HOUR)).toHaveLength(2 * 2 * 24);
    expect(after.filter((r) => r.instance !== COMPACTED_INSTANCE)).toHaveLength(144 * 4);
    expect(errors).toEqual([]);
    await monitor.close();
  });

  it('merges at most maxPerRun rollups a run, and goes on at the next tick', async () => {
    const { clock, storage, monitor } = await setup({ maxPerRun: 500 });
    const total = (await stored(storage)).length;
    await clock.advanceAsync(10 * MINUTE);
    await monitor.idle();
    const first = (await stored(storage)).length;
    // A day of one series is 288 rollups (2 instances, one every 10 minutes): a second would pass 500.
    expect(total - first).toBe(287);
    for (let i = 0; i < 10; i++) await clock.advanceAsync(10 * MINUTE);
    await monitor.idle();
    // 110 minutes on: days 1-2 by the day, days 3-4 and day 5's first hour (ended a day ago now) by the hour, the rest as written.
    expect((await stored(storage)).length).toBe(2 * 2 + 2 * 49 + (144 - 6) * 4);
    await monitor.close();
  });

  it('runs on one instance per tick (the store lease), and another takes over when it closes', async () => {
    const clock = new ManualClock(T0 + 5 * DAY);
    const storage = new MemoryStorage({ now: () => clock.now(), retention: '30d', maxPointsPerSeries: 100_000 });
    await storage.writeRollups(rollups(T0, T0 + 5 * DAY));
    const calls: string[] = [];
    const spy = (who: string) => ({
      ...Object.fromEntries(['writeRollups', 'queryRollups', 'tryAcquire', 'saveAlert', 'queryAlerts', 'saveRule', 'deleteRule', 'listRules', 'saveDeadLetter', 'listDeadLetters', 'deleteDeadLetter', 'saveJobDeadLetter', 'listJobDeadLetters', 'deleteJobDeadLetter', 'purgeBefore'].map((c) => [c, (...a: unknown[]) => (storage as unknown as Record<string, (...x: unknown[]) => unknown>)[c]!(...a)])),
      name: `spy-${who}`,
      close: async () => {},
      compactRollups: (r: CompactionRequest) => {
        calls.push(who);
        return storage.compactRollups(r);
      },
    });
    const monitors = ['a', 'b', 'c'].map((who) => createMonitor({ clock, storage: spy(who) as never, logger: false, instanceId: who, compaction: true, alerts: { sharedEvaluation: false } }));
    for (const m of monitors) m.counter({ name: 'x_total' }).inc();
    await clock.advanceAsync(10 * MINUTE);
    await Promise.all(monitors.map((m) => m.idle()));
    expect(new Set(calls).size).toBe(1);
    const first = calls[0]!;
    await monitors[['a', 'b', 'c'].indexOf(first)]!.close();
    calls.length = 0;
    await clock.advanceAsync(10 * MINUTE);
    await Promise.all(monitors.map((m) => m.idle()));
    expect(new Set(calls).size).toBe(1);
    expect(calls[0]).not.toBe(first);
    for (const m of monitors) await m.close();
  });

  it('reports a failing store on `error` and tries again at the next tick', async () => {
    const { clock, storage, monitor, errors } = await setup(true);
    const real = storage.compactRollups.bind(storage);
    let fail = true;
    storage.compactRollups = async (r) => {
      if (fail) throw new Error('disk on fire');
      return real(r);
    };
    await clock.advanceAsync(10 * MINUTE);
    await monitor.idle();
    expect(errors).toHaveLength(1);
    expect(isPulsewatchError(errors[0]) && errors[0].code).toBe('ERR_PULSEWATCH_STORAGE');
    expect(await stored(storage)).toHaveLength(5 * 144 * 4);
    fail = false;
    await clock.advanceAsync(10 * MINUTE);
    await monitor.idle();
    expect((await stored(storage)).length).toBeLessThan(5 * 144 * 4);
    await monitor.close();
  });

  it('stops with the monitor: no run after close()', async () => {
    const { clock, storage, monitor } = await setup(true);
    await monitor.close();
    await clock.advanceAsync(30 * MINUTE);
    expect(await stored(storage)).toHaveLength(5 * 144 * 4);
  });

  it("refuses a first tier whose `after` is not longer than the monitor's histogram ring, naming both", () => {
    let error: unknown;
    try {
      createMonitor({ logger: false, compaction: true, histogram: { slotLength: '2m', slots: 1440 } });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('compaction.tiers.0.after');
    expect((error as Error).message).toContain('histogram.slots x histogram.slotLength');
    const fits = createMonitor({ logger: false, compaction: true, histogram: { slotLength: '2m', slots: 719 } });
    return fits.close();
  });

  it('refuses tiers that do not nest, naming the field', () => {
    for (const [compaction, field] of [
      [{ tiers: [{ after: '1d', span: '1h' }, { after: '12h', span: '1d' }] }, 'compaction.tiers.1.after'],
      [{ tiers: [{ after: '1d', span: '1h' }, { after: '3d', span: '90m' }] }, 'compaction.tiers.1.span'],
      [{ tiers: [{ after: '1d', span: '10s' }] }, 'compaction.tiers.0.span'],
      [{ maxPerRun: 0 }, 'compaction.maxPerRun'],
    ] as const) {
      let error: unknown;
      try {
        createMonitor({ logger: false, compaction: compaction as never });
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error)).toBe(true);
      expect((error as Error).message).toContain(field);
    }
  });
});
