/**
 * The conformance suite catches adapters that key rollups wrongly: by content (identical
 * rollups of two instances collapse, a rewrite adds instead of replacing) or by series and
 * start alone (instances overwrite each other). The suite is run here with test functions that
 * collect its verdicts instead of reporting them.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup, type RollupQuery, type StorageAdapter } from '../../src/index.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { describeStorageAdapter, type ConformanceApi } from '../../src/testing/storage-conformance.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';

/** Runs the suite's cases whose names contain `filter` and returns the names of those that failed. */
async function failures(makeStorage: (clock: ManualClock) => StorageAdapter, filter: string): Promise<string[]> {
  const cases: { name: string; fn: () => Promise<void> | void }[] = [];
  const before: (() => Promise<void> | void)[] = [];
  const after: (() => Promise<void> | void)[] = [];
  const path: string[] = [];
  const api: ConformanceApi = {
    describe: (name, fn) => {
      path.push(name);
      fn();
      path.pop();
    },
    it: (name, fn) => void cases.push({ name: [...path, name].join(' > '), fn }),
    expect,
    beforeEach: (fn) => void before.push(fn),
    afterEach: (fn) => void after.push(fn),
  };
  describeStorageAdapter(
    'under test',
    () => {
      const clock = new ManualClock();
      return { storage: makeStorage(clock), now: () => clock.now(), advance: (ms) => clock.advance(ms) };
    },
    api,
  );
  const failed: string[] = [];
  for (const c of cases.filter((x) => x.name.includes(filter))) {
    for (const fn of before) await fn();
    try {
      await c.fn();
    } catch {
      failed.push(c.name.slice(c.name.lastIndexOf(' > ') + 3));
    }
    for (const fn of after) await fn();
  }
  return failed;
}

/** A store that keeps each rollup once per `key` (the last write wins), on MemoryStorage for the rest. */
function keyedStorage(clock: ManualClock, key: (r: Rollup) => string): StorageAdapter {
  const kept = new Map<string, Rollup>();
  return delegatingStorage(new MemoryStorage({ now: () => clock.now() }), {
    name: 'keyed',
    writeRollups: async (rollups: readonly Rollup[]) => {
      for (const r of rollups) kept.set(key(r), structuredClone(r));
    },
    queryRollups: async (q: RollupQuery) =>
      [...kept.values()]
        .filter((r) => r.name === q.name && r.end > (q.from ?? -Infinity) && r.start < (q.to ?? Infinity))
        .filter((r) => Object.entries(q.labels ?? {}).every(([k, v]) => r.labels[k] === v))
        .map((r) => structuredClone(r))
        .sort((a, b) => a.start - b.start),
  });
}

const series = (r: Rollup): string => JSON.stringify([r.name, Object.entries(r.labels).sort()]);
const SECTION = 'one rollup per series, slot start and instance';

describe('describeStorageAdapter: rollup identity', () => {
  it('passes MemoryStorage', async () => {
    expect(await failures((clock) => new MemoryStorage({ now: () => clock.now() }), SECTION)).toEqual([]);
  });

  it('fails an adapter that keys rollups by their content (a sorted set of rollup JSON, as RedisStorage did)', async () => {
    const content = (r: Rollup): string => JSON.stringify({ ...r, labels: undefined, instance: undefined });
    const byContent = (clock: ManualClock) => keyedStorage(clock, (r) => `${series(r)}|${content(r)}`);
    expect(await failures(byContent, SECTION)).toContain('keeps rollups identical but for their instance, and reads each back');
    // With the instance in the content, identical rollups of two instances are kept, but a rewrite adds.
    const withInstance = (clock: ManualClock) => keyedStorage(clock, (r) => `${series(r)}|${content(r)}|${r.instance}`);
    expect(await failures(withInstance, SECTION)).toEqual([
      'replaces the rollup of an instance and slot that instance rewrites with other numbers',
      'keeps the last of two rollups of one instance and slot in one batch',
    ]);
  });

  it('fails an adapter that keys rollups by series and start alone', async () => {
    const bySlot = (clock: ManualClock) => keyedStorage(clock, (r) => `${series(r)}|${r.start}`);
    expect(await failures(bySlot, SECTION)).toContain('keeps rollups identical but for their instance, and reads each back');
  });

  it('fails an adapter that adds every write (a retry counts twice)', async () => {
    let n = 0;
    const adding = (clock: ManualClock) => keyedStorage(clock, () => String(n++));
    expect(await failures(adding, SECTION)).toEqual(
      expect.arrayContaining(['reads back once a rollup its instance wrote twice (a retried batch whose first attempt landed)']),
    );
  });
});
