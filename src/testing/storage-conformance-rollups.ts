import type { Rollup } from '../storage/contract.js';
import { baseTime, type Harness, METRIC, rollup, SLOT } from './storage-conformance-fixtures.js';

/** Cases of writeRollups and queryRollups. */
export function registerRollupCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  const query = (q: Partial<Parameters<ReturnType<Harness['storage']>['queryRollups']>[0]> = {}) => h.storage().queryRollups({ name: METRIC, ...q });

  describe('writeRollups and queryRollups', () => {
    it('returns a written batch by name, and nothing of other names', async () => {
      const base = baseTime(h);
      const a = [rollup(base, 0, { route: '/a' }), rollup(base, 1, { route: '/a' })];
      const other = rollup(base, 0, { route: '/a' }, { name: 'pw_conformance_other_total', sum: 42 });
      await h.storage().writeRollups([a[0]!, other, a[1]!]);
      expect(await query()).toEqual(a);
      expect(await h.storage().queryRollups({ name: 'pw_conformance_other_total' })).toEqual([other]);
    });

    it('returns [] for a name never written', async () => {
      expect(await query()).toEqual([]);
      await h.storage().writeRollups([rollup(baseTime(h), 0)]);
      expect(await h.storage().queryRollups({ name: 'pw_conformance_never_written' })).toEqual([]);
      expect(await h.storage().queryRollups({ name: `${METRIC}_suffix` })).toEqual([]);
    });

    it('accepts an empty batch', async () => {
      await h.storage().writeRollups([]);
      expect(await query()).toEqual([]);
    });

    it('round-trips every field exactly: kind, last, hdr, resolution, service, fractional and negative numbers', async () => {
      const base = baseTime(h);
      const written: Rollup[] = [
        rollup(base, 0, { type: 'counter' }, { count: 3, sum: 0.1 + 0.2, min: 0.1, max: 0.2 }),
        rollup(base, 1, { type: 'gauge' }, { kind: 'gauge', count: 2, sum: -1.5, min: -2.25, max: 0.75, last: 0, service: 'checkout' }),
        rollup(base, 2, { type: 'gauge-last' }, { kind: 'gauge', count: 1, sum: -7, min: -7, max: -7, last: -7 }),
        rollup(base, 3, { type: 'histogram' }, {
          kind: 'histogram',
          count: 1_234_567,
          sum: 98_765.4321,
          min: 0.000_012,
          max: 12_345.678,
          hdr: 'HISTFAAAAB94nJNpmSzMwMDAwgABzFCaEUzOmNZg/wEiAOMqBGo=',
          resolution: 1e-6,
          service: 'api',
        }),
        rollup(base, 4, { type: 'big' }, { count: 2 ** 40, sum: Number.MAX_SAFE_INTEGER, min: 0, max: 1e300 }),
      ];
      await h.storage().writeRollups(written);
      const read = await query();
      expect(read).toEqual(written);
      // toEqual treats a missing field and `undefined` alike; `null` in place of an absent field must fail.
      for (const r of read) for (const value of Object.values(r)) expect(value === null).toBe(false);
    });

    it('keeps label values with unicode, quotes, backslashes and newlines, and matches them exactly', async () => {
      const base = baseTime(h);
      const values = ['ünïcødé ✓ 日本語 🚀', 'say "hi"', "it's", 'C:\\path\\to\\', 'line 1\nline 2\r\n', 'tab\there', '{"json":[1]}', 'a,b=c;d|e'];
      await h.storage().writeRollups(values.map((value, i) => rollup(base, i, { value, route: '/x' })));
      expect((await query()).map((r) => r.labels)).toEqual(values.map((value) => ({ value, route: '/x' })));
      for (const value of values) expect((await query({ labels: { value } })).map((r) => r.labels.value)).toEqual([value]);
      expect(await query({ labels: { value: 'line 1' } })).toEqual([]);
      expect(await query({ labels: { value: 'say \\"hi\\"' } })).toEqual([]);
    });

    it('keeps label sets apart that a naive join would merge, and ignores key order', async () => {
      const base = baseTime(h);
      await h.storage().writeRollups([
        rollup(base, 0, { a: 'x,b=y' }, { sum: 1 }),
        rollup(base, 1, { a: 'x', b: 'y' }, { sum: 2 }),
        rollup(base, 2, { b: 'y', a: 'x' }, { sum: 3 }),
        rollup(base, 3, { 'a,b': 'x=y' }, { sum: 4 }),
      ]);
      const sums = async (labels: Record<string, string>) => (await query({ labels })).map((r) => r.sum);
      expect(await sums({ a: 'x,b=y' })).toEqual([1]);
      expect(await sums({ a: 'x' })).toEqual([2, 3]);
      expect(await sums({ b: 'y', a: 'x' })).toEqual([2, 3]);
      expect(await sums({ 'a,b': 'x=y' })).toEqual([4]);
    });

    it('matches series whose labels include every matcher (subset equality)', async () => {
      const base = baseTime(h);
      await h.storage().writeRollups([
        rollup(base, 0, { route: '/a', method: 'GET' }),
        rollup(base, 1, { route: '/a', method: 'POST' }),
        rollup(base, 2, { route: '/b', method: 'GET' }),
        rollup(base, 3, {}),
      ]);
      const labelsOf = async (labels: Record<string, string> | undefined) => (await query({ labels })).map((r) => r.labels);
      expect(await labelsOf({ route: '/a' })).toEqual([{ route: '/a', method: 'GET' }, { route: '/a', method: 'POST' }]);
      expect(await labelsOf({ method: 'GET' })).toEqual([{ route: '/a', method: 'GET' }, { route: '/b', method: 'GET' }]);
      expect(await labelsOf({ route: '/a', method: 'POST' })).toEqual([{ route: '/a', method: 'POST' }]);
      expect(await labelsOf({ route: '/a', method: 'PUT' })).toEqual([]);
      expect(await labelsOf({ route: '/c' })).toEqual([]);
      expect(await labelsOf({ status: '200' })).toEqual([]);
      expect(await labelsOf({ route: '/a', method: 'GET', status: '200' })).toEqual([]);
      expect(await labelsOf({})).toHaveLength(4);
      expect(await labelsOf(undefined)).toHaveLength(4);
    });

    it('returns rollups whose slot overlaps (from, to): end > from and start < to, both exclusive', async () => {
      const base = baseTime(h);
      await h.storage().writeRollups([0, 1, 2, 3].map((slot) => rollup(base, slot)));
      const slots = async (from?: number, to?: number) => (await query({ from, to })).map((r) => (r.start - base) / SLOT);
      expect(await slots()).toEqual([0, 1, 2, 3]);
      expect(await slots(base + SLOT, base + 3 * SLOT)).toEqual([1, 2]); // slot 0 ends at from, slot 3 starts at to: both out
      expect(await slots(base + SLOT - 1, base + 3 * SLOT + 1)).toEqual([0, 1, 2, 3]); // one ms inside: in
      expect(await slots(base + SLOT + 1, base + 2 * SLOT + 1)).toEqual([1, 2]); // a bound inside a slot takes the slot
      expect(await slots(base + 2 * SLOT)).toEqual([2, 3]);
      expect(await slots(undefined, base + 2 * SLOT)).toEqual([0, 1]);
      expect(await slots(base + SLOT + 10, base + SLOT + 20)).toEqual([1]);
      expect(await slots(base + 4 * SLOT)).toEqual([]);
      expect(await slots(undefined, base)).toEqual([]);
    });

    it('orders results by start across series and batches, whatever the write order', async () => {
      const base = baseTime(h);
      await h.storage().writeRollups([rollup(base, 5, { route: '/a' }), rollup(base, 0, { route: '/b' }), rollup(base, 3, { route: '/a' })]);
      await h.storage().writeRollups([rollup(base, 1, { route: '/a' }), rollup(base, 4, { route: '/b' }), rollup(base, 2, { route: '/c' })]);
      expect((await query()).map((r) => (r.start - base) / SLOT)).toEqual([0, 1, 2, 3, 4, 5]);
      expect((await query({ labels: { route: '/a' } })).map((r) => (r.start - base) / SLOT)).toEqual([1, 3, 5]);
    });

    it(
      'stores a batch of 1,000 rollups in one call',
      async () => {
        const base = baseTime(h);
        const routes = ['/a', '/b', '/c', '/d'];
        const batch = routes.flatMap((route) => Array.from({ length: 250 }, (_, slot) => rollup(base, slot * 4, { route }, { sum: slot })));
        await h.storage().writeRollups(batch.reverse());
        const read = await query();
        expect(read).toHaveLength(1_000);
        const starts = read.map((r) => r.start);
        expect(starts).toEqual([...starts].sort((x, y) => x - y));
        const a = await query({ labels: { route: '/a' } });
        expect(a).toHaveLength(250);
        expect(a[0]).toEqual(rollup(base, 0, { route: '/a' }, { sum: 0 }));
        expect(a[249]).toEqual(rollup(base, 996, { route: '/a' }, { sum: 249 }));
      },
      30_000,
    );

    it(
      'keeps every rollup of concurrent writes to one series',
      async () => {
        const base = baseTime(h);
        const writes = Array.from({ length: 50 }, (_, slot) => h.storage().writeRollups([rollup(base, slot, { route: '/hot' })]));
        await Promise.all(writes);
        const read = await query({ labels: { route: '/hot' } });
        expect(read.map((r) => r.sum)).toEqual(Array.from({ length: 50 }, (_, slot) => slot));
      },
      30_000,
    );

    it('keeps its own copies: changing a written or a returned rollup changes nothing stored', async () => {
      const base = baseTime(h);
      const labels = { route: '/a' };
      const written = rollup(base, 0, labels);
      await h.storage().writeRollups([written]);
      labels.route = '/changed';
      written.sum = 99;
      const [read] = await query();
      (read!.labels as Record<string, string>).route = '/hacked';
      read!.count = 1_000;
      expect(await query({ labels: { route: '/a' } })).toEqual([rollup(base, 0, { route: '/a' })]);
      expect(await query({ labels: { route: '/hacked' } })).toEqual([]);
      expect(await query({ labels: { route: '/changed' } })).toEqual([]);
    });
  });
}
