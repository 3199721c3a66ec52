import type { StorageAdapter, StoredMetricName } from '../storage/contract.js';
import { byCodePoint } from '../storage/metric-names.js';
import { baseTime, type Harness, rollup, SLOT } from './storage-conformance-fixtures.js';

/**
 * Metric names (`[a-zA-Z_:][a-zA-Z0-9_:]*`, at most 200 characters) no adapter may interpret:
 * prototype members, names spelled like the adapters' own keys and tables (`names`, `idx:...`,
 * `r:<name>:<id>`), prefixes of each other, case that orders differently under a collation, the
 * longest name allowed. Their labels carry what labels may: quotes, SQL, JSON, control and astral
 * characters.
 */
export const HOSTILE_NAMES = [
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'names',
  'nameidx',
  'namekind',
  'idx:pw',
  'r:pw:0123456789abcdef0123',
  'rollups',
  'pw',
  'pw_',
  'pw:',
  'Pw_upper',
  '_',
  ':',
  `a${'b'.repeat(199)}`,
];

/** Label values written beside the hostile names, one per name, in turn. */
const HOSTILE_VALUES = ["x'); DROP TABLE rollups; --", '{"json":true}', 'glob*?[x] like_%\\_', 'new\nline\ttab\r', '名前_🚀\uffff\ue000', "quote'\"`", '\u0000nul'];

/**
 * Cases of the optional `listMetricNames`, registered when the adapter declares it offers it
 * (`metricNames: true`): the fleet's metric explorer lists what it returns.
 */
export function registerNameCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  const list = (query: { since: number; limit?: number; match?: string }): Promise<StoredMetricName[]> => {
    const storage = h.storage();
    if (typeof storage.listMetricNames !== 'function') throw new Error('metricNames: true was declared, but the adapter has no listMetricNames');
    return storage.listMetricNames(query);
  };
  const names = (listed: readonly StoredMetricName[]): string[] => listed.map((n) => n.name);
  /**
   * The listed names' `series`: `expected` from a store that counts them (every built-in store
   * does, and then they must agree exactly), absent on every name from one that does not (the
   * contract makes `series` optional).
   */
  const series = (listed: readonly StoredMetricName[], expected: readonly number[]): void => {
    const counts = listed.map((n) => n.series);
    expect(counts).toEqual(counts.every((c) => c === undefined) ? expected.map(() => undefined) : expected);
  };
  const write = (storage: StorageAdapter, name: string, slot: number, labels: Record<string, string> = {}, extra: { instance?: string; kind?: 'counter' | 'gauge' | 'histogram' } = {}): Promise<void> =>
    storage.writeRollups([rollup(baseTime(h), slot, labels, { name, ...extra })]);

  describe('listMetricNames', () => {
    it('lists a name written by two instances once, its series counted across them', async () => {
      const base = baseTime(h);
      const name = 'pw_conformance_names_fleet_total';
      await h.storage().writeRollups([
        rollup(base, 10, { route: '/a' }, { name, instance: 'i1' }),
        rollup(base, 10, { route: '/a' }, { name, instance: 'i2' }),
        rollup(base, 11, { route: '/b' }, { name, instance: 'i2' }),
      ]);
      const listed = await list({ since: base });
      expect(names(listed)).toEqual([name]);
      expect(listed[0]!.kind).toBe('counter');
      expect(listed[0]!.lastSeen).toBe(base + 12 * SLOT);
      series(listed, [2]);
    });

    it('gives a name the end of its latest slot as soon as it is written, not a minute later', async () => {
      const base = baseTime(h);
      const storage = h.storage();
      const name = 'pw_conformance_names_latest_total';
      await write(storage, name, 0, { route: '/a' }, { instance: 'i1' });
      expect((await list({ since: base })).map((n) => n.lastSeen)).toEqual([base + SLOT]);
      // The next slots of the same series, by the same writer and by another: ends one slot apart.
      await write(storage, name, 1, { route: '/a' }, { instance: 'i1' });
      expect((await list({ since: base })).map((n) => n.lastSeen)).toEqual([base + 2 * SLOT]);
      await write(storage, name, 2, { route: '/a' }, { instance: 'i2' });
      const listed = await list({ since: base });
      expect(listed.map((n) => n.lastSeen)).toEqual([base + 3 * SLOT]);
      series(listed, [1]);
      // A late write of an earlier slot does not move it back.
      await write(storage, name, 0, { route: '/b' }, { instance: 'i3' });
      const after = await list({ since: base });
      expect(after.map((n) => n.lastSeen)).toEqual([base + 3 * SLOT]);
      series(after, [2]);
    });

    it('counts the series of each listed name, every instance together, each label set once', async () => {
      const base = baseTime(h);
      const storage = h.storage();
      const rollups = [];
      for (let s = 0; s < 30; s++) for (const instance of ['i1', 'i2', 'i3']) if ((s + instance.length) % 2 === 0 || instance === 'i1') rollups.push(rollup(base, 5, { route: `/r${s}`, method: s % 2 === 0 ? 'GET' : 'POST' }, { name: 'pw_conformance_names_many_seconds', instance }));
      rollups.push(rollup(base, 5, { route: '/r0', method: 'GET' }, { name: 'pw_conformance_names_one_total', instance: 'i2' }));
      await storage.writeRollups(rollups);
      const listed = await list({ since: base });
      expect(names(listed)).toEqual(['pw_conformance_names_many_seconds', 'pw_conformance_names_one_total']);
      series(listed, [30, 1]);
    });

    it('leaves out names whose rollups all ended at or before since, and counts only the series seen since', async () => {
      const base = baseTime(h);
      const storage = h.storage();
      await write(storage, 'pw_conformance_names_old', 0);
      await write(storage, 'pw_conformance_names_new', 0, { route: '/gone' });
      await write(storage, 'pw_conformance_names_new', 100, { route: '/live' });
      const since = base + 50 * SLOT;
      const listed = await list({ since });
      expect(names(listed)).toEqual(['pw_conformance_names_new']);
      series(listed, [1]);
      // Exclusive: a name whose latest slot ends exactly at since is not listed.
      expect(names(await list({ since: base + 101 * SLOT }))).toEqual([]);
      expect(names(await list({ since: base + 101 * SLOT - 1 }))).toEqual(['pw_conformance_names_new']);
      expect(names(await list({ since: base }))).toEqual(['pw_conformance_names_new', 'pw_conformance_names_old']);
    });

    it('orders names by code point and returns at most limit of them, the first in that order', async () => {
      const storage = h.storage();
      const written = ['pw_e', 'pw_b', 'pw_d', 'pw_a', 'pw_c'];
      for (const [i, name] of written.entries()) await write(storage, name, i);
      const since = baseTime(h);
      expect(names(await list({ since }))).toEqual(['pw_a', 'pw_b', 'pw_c', 'pw_d', 'pw_e']);
      expect(names(await list({ since, limit: 2 }))).toEqual(['pw_a', 'pw_b']);
      expect(names(await list({ since, limit: 5 }))).toHaveLength(5);
    });

    it('keeps only the names containing match (ASCII letters without case), before limit, and reads no pattern into it', async () => {
      const base = baseTime(h);
      const storage = h.storage();
      const written = ['pw_a_orders_total', 'pw_b_Orders_seconds', 'pw_c_users', 'pw_d_x_y', 'pw_e__proto__', 'pw_f_ORDERS'];
      await storage.writeRollups(written.map((name, i) => rollup(base, i, {}, { name })));
      const since = base;
      expect(names(await list({ since, match: 'orders' }))).toEqual(['pw_a_orders_total', 'pw_b_Orders_seconds', 'pw_f_ORDERS']);
      expect(names(await list({ since, match: 'ORDERS' }))).toEqual(['pw_a_orders_total', 'pw_b_Orders_seconds', 'pw_f_ORDERS']);
      // Applied before limit: the matching names past the first ones in name order are listed.
      expect(names(await list({ since, match: 'users', limit: 1 }))).toEqual(['pw_c_users']);
      expect(names(await list({ since, match: 'orders', limit: 2 }))).toEqual(['pw_a_orders_total', 'pw_b_Orders_seconds']);
      expect(names(await list({ since, match: '' }))).toEqual(written);
      expect(names(await list({ since, match: '__proto__' }))).toEqual(['pw_e__proto__']);
      // `_` is a character, not LIKE's any-character: only the names holding `x_y` match it.
      expect(names(await list({ since, match: 'x_y' }))).toEqual(['pw_d_x_y']);
      expect(names(await list({ since, match: 'd_x' }))).toEqual(['pw_d_x_y']);
      for (const hostile of ['%', 'pw%', '\\', '\\_', '.*', 'pw_.', '^pw', 'orders$', '[a-z]', '(', '*', '?', "'", '"', '\u0000', '\ud800', '名前', 'a'.repeat(300)]) {
        expect(names(await list({ since, match: hostile }))).toEqual([]);
      }
    });

    it('returns hostile names as they were written, each once, and interprets none of them', async () => {
      const base = baseTime(h);
      const value = (i: number): string => HOSTILE_VALUES[i % HOSTILE_VALUES.length]!;
      await h.storage().writeRollups(HOSTILE_NAMES.map((name, i) => rollup(base, i, { [value(i)]: value(i) }, { name, instance: value(i).replace('\u0000', '0') })));
      const listed = await list({ since: base });
      expect(names(listed)).toEqual([...HOSTILE_NAMES].sort(byCodePoint));
      series(listed, listed.map(() => 1));
      // Each listed name reads back its own rollup: the name is a key, byte for byte.
      const back = await Promise.all(listed.map((n) => h.storage().queryRollups({ name: n.name, from: base })));
      expect(back.map((rollups) => rollups.map((r) => r.labels))).toEqual(
        listed.map((n) => {
          const i = HOSTILE_NAMES.indexOf(n.name);
          return [{ [value(i)]: value(i) }];
        }),
      );
    });

    it('gives each name the kind of its latest rollup', async () => {
      const base = baseTime(h);
      await h.storage().writeRollups([
        rollup(base, 0, {}, { name: 'pw_conformance_names_gauge', kind: 'gauge', last: 3 }),
        rollup(base, 0, {}, { name: 'pw_conformance_names_seconds', kind: 'histogram' }),
        rollup(base, 0, {}, { name: 'pw_conformance_names_total' }),
      ]);
      const listed = await list({ since: base });
      expect(listed.map((n) => [n.name, n.kind])).toEqual([
        ['pw_conformance_names_gauge', 'gauge'],
        ['pw_conformance_names_seconds', 'histogram'],
        ['pw_conformance_names_total', 'counter'],
      ]);
    });

    it('lists nothing for an empty store, and returns copies', async () => {
      expect(await list({ since: 0 })).toEqual([]);
      await write(h.storage(), 'pw_conformance_names_copy', 0);
      const first = await list({ since: 0 });
      first[0]!.name = 'changed';
      expect(names(await list({ since: 0 }))).toEqual(['pw_conformance_names_copy']);
    });

    if (h.plays('purge')) {
      it('no longer lists a name whose rollups were purged', async () => {
        const base = baseTime(h);
        await write(h.storage(), 'pw_conformance_names_purged', 0);
        await write(h.storage(), 'pw_conformance_names_kept', 100);
        await h.storage().purgeBefore(base + 50 * SLOT);
        expect(names(await list({ since: 0 }))).toEqual(['pw_conformance_names_kept']);
      });
    }
  });
}
