import type { Rollup, RollupChanges } from '../storage/contract.js';
import { baseTime, type Harness, METRIC, rollup } from './storage-conformance-fixtures.js';

const OTHER = 'pw_conformance_changes_other_total';

/** Cursors no store issues: each must read as incomplete (the reader then reads its range), never throw. */
const FOREIGN_CURSORS = ['', 'garbage', 'x:1', '0:-1', ':', 'a:b:c', '1e309:1', '9'.repeat(400), '\u0000:\n'];

/**
 * Cases of the optional `readRollupChanges`, registered when the adapter declares it offers it
 * (`rollupChanges: true`): the rule engine trusts a complete answer to hold every write since
 * the cursor, so a store that misses one makes rules miss data until the next full read.
 */
export function registerChangeCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  const read = (name: string, cursor: string | undefined): Promise<RollupChanges> => {
    const storage = h.storage();
    if (typeof storage.readRollupChanges !== 'function') throw new Error('rollupChanges: true was declared, but the adapter has no readRollupChanges');
    return storage.readRollupChanges(name, cursor);
  };
  // A reader keeps one rollup per (series, start, instance), the last returned winning.
  const latest = (rollups: readonly Rollup[]): Rollup[] => {
    const kept = new Map<string, Rollup>();
    for (const r of rollups) kept.set(JSON.stringify([r.name, r.labels, r.start, r.instance ?? null]), r);
    return [...kept.values()].sort((a, b) => a.start - b.start);
  };

  describe('readRollupChanges', () => {
    it('without a cursor answers incomplete, with a cursor to continue from', async () => {
      await h.storage().writeRollups([rollup(baseTime(h), 0, {}, { instance: 'i1' })]);
      const first = await read(METRIC, undefined);
      expect(first.complete).toBe(false);
      expect(typeof first.cursor === 'string' && first.cursor.length > 0).toBe(true);
    });

    it('returns every write of the name since the cursor, complete, and none of other names', async () => {
      const base = baseTime(h);
      const start = await read(METRIC, undefined);
      const a = [rollup(base, 0, { route: '/a' }, { instance: 'i1' }), rollup(base, 1, { route: '/b' }, { instance: 'i2' })];
      await h.storage().writeRollups([a[0]!, rollup(base, 0, {}, { name: OTHER, instance: 'i1' }), a[1]!]);
      const first = await read(METRIC, start.cursor);
      expect(first.complete).toBe(true);
      expect(latest(first.rollups)).toEqual(a);

      const b = rollup(base, 2, { route: '/c' }, { instance: 'i3' });
      await h.storage().writeRollups([b]);
      const second = await read(METRIC, first.cursor);
      expect(second.complete).toBe(true);
      expect(latest(second.rollups).filter((r) => r.start === b.start)).toEqual([b]);
      expect(second.rollups.every((r) => r.name === METRIC)).toBe(true);
    });

    it('returns a rewrite of (series, start, instance) since the cursor with its new values', async () => {
      const base = baseTime(h);
      await h.storage().writeRollups([rollup(base, 0, { route: '/a' }, { instance: 'i1', sum: 1 })]);
      const after = await read(METRIC, undefined);
      const rewrite = rollup(base, 0, { route: '/a' }, { instance: 'i1', sum: 5, count: 5 });
      await h.storage().writeRollups([rewrite]);
      const changes = await read(METRIC, after.cursor);
      expect(changes.complete).toBe(true);
      expect(latest(changes.rollups)).toEqual([rewrite]);
    });

    it('with nothing written since the cursor answers complete, with nothing new', async () => {
      const written = rollup(baseTime(h), 0, {}, { instance: 'i1' });
      await h.storage().writeRollups([written]);
      const start = await read(METRIC, undefined);
      const again = await read(METRIC, start.cursor);
      expect(again.complete).toBe(true);
      // A store may return a write again (the contract allows it), but nothing that was not written.
      expect(again.rollups.filter((r) => JSON.stringify(r) !== JSON.stringify(written))).toEqual([]);
    });

    it('reads a cursor it never issued as incomplete, and never throws on one', async () => {
      await h.storage().writeRollups([rollup(baseTime(h), 0, {}, { instance: 'i1' })]);
      const answers = await Promise.all(FOREIGN_CURSORS.map((cursor) => read(METRIC, cursor)));
      expect(answers.map((a) => a.complete)).toEqual(FOREIGN_CURSORS.map(() => false));
      for (const a of answers) expect(typeof a.cursor).toBe('string');
    });
  });
}
