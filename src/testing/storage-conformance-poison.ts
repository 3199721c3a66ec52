import { isPulsewatchError } from '../core/errors.js';
import { COMPACTED_INSTANCE } from '../storage/compaction.js';
import type { Rollup } from '../storage/contract.js';
import { baseTime, expectStorageError, type Harness, METRIC, rejection, rollup, SLOT } from './storage-conformance-fixtures.js';

/** Slot of the invalid rollup in the batch; the valid ones take slots 0, 1, 3 and 4. */
const BAD = 2;

/** Rollups no store can hold as they are, by what is wrong with them. */
const INVALID: readonly (readonly [string, (base: number) => Rollup])[] = [
  // A string cut mid-emoji: jsonb refuses the lone surrogate.
  ['a label value with a lone surrogate', (base) => rollup(base, BAD, { route: '😀 Bob'.slice(0, 1) })],
  ['a label name with a lone surrogate', (base) => rollup(base, BAD, { ['\udc00route']: '/a' })],
  ['a label value that is not a string', (base) => rollup(base, BAD, { route: 5 as unknown as string })],
  // -1e16 overflows a safe integer (POST /metrics with "timestamp": -1e16).
  ['a start that is not a safe integer', (base) => ({ ...rollup(base, BAD), start: -1e16 })],
  ['a fractional start', (base) => ({ ...rollup(base, BAD), start: base + BAD * SLOT + 0.5 })],
  ['an end of NaN', (base) => ({ ...rollup(base, BAD), end: Number.NaN })],
  ['an end before its start', (base) => ({ ...rollup(base, BAD), end: base + BAD * SLOT - 1 })],
  ['a count of NaN', (base) => ({ ...rollup(base, BAD), count: Number.NaN })],
  ['an unknown kind', (base) => ({ ...rollup(base, BAD), kind: 'summary' as Rollup['kind'] })],
  ['a name with a lone surrogate', (base) => ({ ...rollup(base, BAD), name: `${METRIC}\ud800` })],
  // Valid characters, but past 200: PostgreSQL's btree index refuses a 6 KB name (SQLSTATE 54000).
  ['a name of 6,000 characters', (base) => ({ ...rollup(base, BAD), name: `${METRIC}_${'x'.repeat(6_000)}` })],
  // Only compaction writes it: a write under it would replace (or be merged as) a compacted rollup.
  ['the instance reserved for compacted rollups', (base) => ({ ...rollup(base, BAD), instance: COMPACTED_INSTANCE })],
];

/**
 * A batch holding one invalid rollup among valid ones. The store either stores the valid ones
 * and rejects with a permanent StorageError whose `rejected` names the bad index, or stores
 * nothing and rejects with a permanent StorageError without `rejected` (then the valid ones
 * written alone must succeed). Either way, the invalid one never reaches a later read.
 */
export function registerPoisonCases(h: Harness): void {
  const { describe, it, expect } = h.t;

  describe('writeRollups with an invalid rollup in the batch', () => {
    for (const [what, make] of INVALID) {
      it(`sets aside ${what} with a permanent StorageError and keeps every valid rollup`, async () => {
        const base = baseTime(h);
        const valid = [0, 1, 3, 4].map((slot) => rollup(base, slot, { route: '/a' }));
        const batch = [valid[0]!, valid[1]!, make(base), valid[2]!, valid[3]!];
        const error = await rejection(h, 'writeRollups', () => h.storage().writeRollups(batch));
        expectStorageError(h, 'writeRollups', error);
        const { permanent, rejected } = (isPulsewatchError(error) ? error : {}) as { permanent?: unknown; rejected?: unknown };
        expect(`permanent: ${String(permanent)}`).toBe('permanent: true');
        const named = rejected !== undefined;
        // With `rejected`, it names exactly the bad index and the rest is stored; without, nothing is.
        expect(named ? rejected : [BAD]).toEqual([BAD]);
        expect(await h.storage().queryRollups({ name: METRIC })).toEqual(named ? valid : []);
        if (!named) await h.storage().writeRollups(valid);
        expect(await h.storage().queryRollups({ name: METRIC })).toEqual(valid);
        expect(await h.storage().queryRollups({ name: METRIC, labels: { route: '/a' } })).toEqual(valid);
        // The store keeps working for the next batch.
        const next = rollup(base, 5, { route: '/a' });
        await h.storage().writeRollups([next]);
        expect(await h.storage().queryRollups({ name: METRIC })).toEqual([...valid, next]);
      });
    }

    it('rejects a batch of invalid rollups only with every index named, or none stored', async () => {
      const base = baseTime(h);
      const batch = INVALID.map(([, make]) => make(base));
      const error = await rejection(h, 'writeRollups', () => h.storage().writeRollups(batch));
      expectStorageError(h, 'writeRollups', error);
      const { permanent, rejected } = (isPulsewatchError(error) ? error : {}) as { permanent?: unknown; rejected?: unknown };
      expect(`permanent: ${String(permanent)}`).toBe('permanent: true');
      expect(rejected ?? batch.map((_, i) => i)).toEqual(batch.map((_, i) => i));
      expect(await h.storage().queryRollups({ name: METRIC })).toEqual([]);
    });
  });
}
