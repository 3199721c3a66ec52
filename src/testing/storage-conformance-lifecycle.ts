import type { StorageAdapter } from '../storage/contract.js';
import {
  alert,
  baseTime,
  deadLetter,
  expectStorageError,
  type Harness,
  ids,
  jobLetter,
  METRIC,
  rejection,
  resolvedAlert,
  rollup,
  rule,
  SLOT,
} from './storage-conformance-fixtures.js';

/** Every contract method but close, called with valid arguments. */
const CALLS: readonly [string, (s: StorageAdapter, t: number) => Promise<unknown>][] = [
  ['writeRollups', (s, t) => s.writeRollups([rollup(t, 0)])],
  ['queryRollups', (s) => s.queryRollups({ name: METRIC })],
  ['tryAcquire', (s) => s.tryAcquire('pw-conformance-closed', 1_000)],
  ['saveAlert', (s, t) => s.saveAlert(alert('a', t))],
  ['queryAlerts', (s) => s.queryAlerts({})],
  ['saveRule', (s, t) => s.saveRule(rule('r', t))],
  ['deleteRule', (s) => s.deleteRule('r')],
  ['listRules', (s) => s.listRules()],
  ['saveDeadLetter', (s, t) => s.saveDeadLetter(deadLetter('d', t))],
  ['listDeadLetters', (s) => s.listDeadLetters()],
  ['deleteDeadLetter', (s) => s.deleteDeadLetter('d')],
  ['saveJobDeadLetter', (s, t) => s.saveJobDeadLetter(jobLetter('j', t))],
  ['listJobDeadLetters', (s) => s.listJobDeadLetters()],
  ['deleteJobDeadLetter', (s) => s.deleteJobDeadLetter('j')],
  ['purgeBefore', (s, t) => s.purgeBefore(t)],
];

/** Cases of tryAcquire, purgeBefore and close. */
export function registerLifecycleCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  /** Registers a case that moves the adapter's clock; not registered for server-time adapters. */
  const itWithClock = (name: string, fn: (advance: (ms: number) => Promise<void>) => Promise<void>): void => {
    if (h.serverTime) return;
    it(name, async () => {
      const { advance } = h.adapter();
      if (advance === undefined) {
        throw new Error('describeStorageAdapter: this case moves time: return `advance` from the factory, or pass { serverTime: true } if the adapter keeps time on its server');
      }
      await fn(async (ms) => {
        await advance(ms);
      });
    });
  };

  describe('tryAcquire', () => {
    it('gives a key to the first caller only, while other keys stay free', async () => {
      const s = h.storage();
      expect(await s.tryAcquire('alert:cpu', 60_000)).toBe(true);
      expect(await s.tryAcquire('alert:cpu', 60_000)).toBe(false);
      expect(await s.tryAcquire('alert:cpu', 1)).toBe(false);
      expect(await s.tryAcquire('alert:mem', 60_000)).toBe(true);
      expect(await s.tryAcquire('alert:cpu:1', 60_000)).toBe(true);
      expect(await s.tryAcquire('alert', 60_000)).toBe(true);
      expect(await s.tryAcquire('alert:mem', 60_000)).toBe(false);
    });

    it('gives a key to exactly one of many concurrent callers', async () => {
      const s = h.storage();
      const results = await Promise.all(Array.from({ length: 20 }, () => s.tryAcquire('notify:checkout', 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    itWithClock('frees a key when its ttl has passed, and a new lease runs from when it was taken', async (advance) => {
        const s = h.storage();
        expect(await s.tryAcquire('k', 10_000)).toBe(true);
        await advance(9_999);
        expect(await s.tryAcquire('k', 10_000)).toBe(false);
        await advance(1);
        expect(await s.tryAcquire('k', 10_000)).toBe(true);
        await advance(9_999);
        expect(await s.tryAcquire('k', 10_000)).toBe(false);
        await advance(1);
        expect(await s.tryAcquire('k', 10_000)).toBe(true);
    });

    itWithClock('does not extend a lease on a refused call', async (advance) => {
        const s = h.storage();
        expect(await s.tryAcquire('k', 10_000)).toBe(true);
        await advance(5_000);
        expect(await s.tryAcquire('k', 60_000)).toBe(false);
        await advance(5_000);
        expect(await s.tryAcquire('k', 10_000)).toBe(true);
    });
  });

  describe('purgeBefore', () => {
    it('deletes rollups that ended at or before the timestamp and returns how many', async () => {
      const s = h.storage();
      const base = baseTime(h);
      await s.writeRollups([0, 1, 2].map((slot) => rollup(base, slot, { route: '/a' })));
      await s.writeRollups([rollup(base, 0, { route: '/b' }), rollup(base, 0, { route: '/a' }, { name: 'pw_conformance_other_total' })]);
      expect(await s.purgeBefore(base + 2 * SLOT)).toBe(4); // slots 0 and 1 end at or before it; slot 2 ends after
      const left = await s.queryRollups({ name: METRIC });
      expect(left.map((r) => [r.labels.route, (r.start - base) / SLOT])).toEqual([['/a', 2]]);
      expect(await s.queryRollups({ name: 'pw_conformance_other_total' })).toEqual([]);
      expect(await s.purgeBefore(base + 2 * SLOT)).toBe(0);
      expect(await s.purgeBefore(base + 3 * SLOT - 1)).toBe(0);
      expect(await s.purgeBefore(base + 3 * SLOT)).toBe(1);
      expect(await s.queryRollups({ name: METRIC })).toEqual([]);
    });

    it('deletes resolved alerts and both kinds of dead letters older than the timestamp; keeps firing alerts and rules', async () => {
      const s = h.storage();
      const cut = h.now();
      const old = cut - 60_000;
      const recent = cut + 60_000;
      await s.saveAlert(resolvedAlert('old-resolved', old));
      await s.saveAlert(resolvedAlert('recent-resolved', recent));
      await s.saveAlert(alert('old-firing', old - 60_000));
      await s.saveDeadLetter(deadLetter('old', old));
      await s.saveDeadLetter(deadLetter('at-cut', cut)); // failed at the timestamp itself: not older, kept
      await s.saveDeadLetter(deadLetter('recent', recent));
      await s.saveJobDeadLetter(jobLetter('old-1', old));
      await s.saveJobDeadLetter(jobLetter('old-2', old + 1, 'export-data'));
      await s.saveJobDeadLetter(jobLetter('recent', recent));
      await s.saveRule(rule('old-rule', old - 60_000));
      expect(await s.purgeBefore(cut)).toBe(4);
      expect(ids(await s.queryAlerts({}))).toEqual(['recent-resolved', 'old-firing']);
      expect(ids(await s.listDeadLetters())).toEqual(['at-cut', 'recent']);
      expect(ids(await s.listJobDeadLetters())).toEqual(['recent']);
      expect(ids(await s.listRules())).toEqual(['old-rule']);
      expect(await s.purgeBefore(cut)).toBe(0);
    });

    it('counts every kind of record in one total', async () => {
      const s = h.storage();
      const base = baseTime(h);
      const cut = h.now();
      await s.writeRollups([rollup(base, 0), rollup(base, 1, { route: '/x' })]);
      await s.saveAlert(resolvedAlert('r', cut - 1_000));
      await s.saveDeadLetter(deadLetter('d', cut - 1_000));
      await s.saveJobDeadLetter(jobLetter('j', cut - 1_000));
      expect(await s.purgeBefore(cut)).toBe(5);
      expect(await s.purgeBefore(cut)).toBe(0);
    });

    it('returns 0 on an empty store', async () => {
      expect(await h.storage().purgeBefore(h.now())).toBe(0);
    });
  });

  describe('close()', () => {
    it('resolves, after which every call rejects with a StorageError (checked by code, not instanceof)', async () => {
      const s = h.storage();
      const t = h.now();
      await s.writeRollups([rollup(baseTime(h), 0)]);
      await s.close();
      for (const [method, call] of CALLS) expectStorageError(h, method, await rejection(h, method, () => call(s, t)));
    });
  });
}
