import type { Rollup } from '../storage/contract.js';
import { baseTime, type Harness, METRIC, rollup } from './storage-conformance-fixtures.js';

/**
 * Cases of the rollup identity: a store keeps one rollup per (series, slot start, instance).
 * Instances of one service write the same series and slots, often with the same numbers (a
 * quiet counter counts 1 in every instance): a store keying rollups by content or by (series,
 * start) alone loses their writes; one adding every write counts a retried batch twice.
 */
export function registerInstanceCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  const read = async (labels?: Record<string, string>): Promise<Rollup[]> => {
    const rollups = await h.storage().queryRollups({ name: METRIC, labels });
    // The order of rollups sharing a start is the store's own: compare them by series, then instance.
    const order = (r: Rollup): string => `${JSON.stringify(Object.entries(r.labels).sort())}\u0000${r.instance ?? ''}`;
    return rollups.sort((a, b) => a.start - b.start || (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  };

  describe('one rollup per series, slot start and instance', () => {
    it('keeps rollups identical but for their instance, and reads each back', async () => {
      const base = baseTime(h);
      const a = rollup(base, 0, { route: '/a' }, { sum: 1, min: 1, max: 1, instance: 'web-1' });
      const b = { ...a, labels: { route: '/a' }, instance: 'web-2' };
      const c = { ...a, labels: { route: '/a' }, instance: 'web-3' };
      await h.storage().writeRollups([a, b]);
      await h.storage().writeRollups([c]);
      expect(await read()).toEqual([a, b, c]);
      expect((await read({ route: '/a' })).reduce((sum, r) => sum + r.sum, 0)).toBe(3);
    });

    it('reads back once a rollup its instance wrote twice (a retried batch whose first attempt landed)', async () => {
      const base = baseTime(h);
      const batch = [rollup(base, 0, {}, { instance: 'web-1' }), rollup(base, 1, {}, { instance: 'web-1' }), rollup(base, 0, {}, { instance: 'web-2' })];
      await h.storage().writeRollups(batch);
      await h.storage().writeRollups(batch);
      await h.storage().writeRollups([batch[1]!]);
      expect(await read()).toEqual([batch[0], batch[2], batch[1]]);
    });

    it('replaces the rollup of an instance and slot that instance rewrites with other numbers', async () => {
      const base = baseTime(h);
      const first = rollup(base, 0, { route: '/a' }, { count: 1, sum: 5, min: 5, max: 5, instance: 'web-1' });
      const other = rollup(base, 0, { route: '/a' }, { count: 1, sum: 6, min: 6, max: 6, instance: 'web-2' });
      await h.storage().writeRollups([first, other]);
      const rewritten = { ...first, labels: { route: '/a' }, count: 2, sum: 12, max: 7 };
      await h.storage().writeRollups([rewritten]);
      expect(await read()).toEqual([rewritten, other]);
    });

    it('keeps the last of two rollups of one instance and slot in one batch', async () => {
      const base = baseTime(h);
      const first = rollup(base, 0, {}, { sum: 1, instance: 'web-1' });
      const second = { ...first, labels: {}, sum: 2 };
      await h.storage().writeRollups([first, second]);
      expect(await read()).toEqual([second]);
    });

    it('keeps the slots of one instance apart by series and by start', async () => {
      const base = baseTime(h);
      const written = [
        rollup(base, 0, { route: '/a' }, { instance: 'web-1' }),
        rollup(base, 0, { route: '/b' }, { instance: 'web-1' }),
        rollup(base, 1, { route: '/a' }, { instance: 'web-1' }),
      ];
      await h.storage().writeRollups(written);
      expect((await read()).map((r) => [r.labels.route, r.start - base])).toEqual([
        ['/a', 0],
        ['/b', 0],
        ['/a', written[2]!.start - base],
      ]);
    });

    it('still reads rollups without an instance (written before instances existed) beside those with one', async () => {
      const base = baseTime(h);
      const legacy = rollup(base, 0, {}, { sum: 3 });
      const stamped = rollup(base, 0, {}, { sum: 3, instance: 'web-1' });
      await h.storage().writeRollups([legacy]);
      await h.storage().writeRollups([stamped]);
      const back = await read();
      expect(back).toHaveLength(2);
      expect(back.find((r) => r.instance === undefined)).toEqual(legacy);
      expect(back.find((r) => r.instance === 'web-1')).toEqual(stamped);
    });
  });
}
