import type { StorageAdapter, StorageRole } from '../storage/contract.js';
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

/** Every call but close, with the role it belongs to, called with valid arguments. */
const CALLS: readonly [StorageRole, string, (s: StorageAdapter, t: number) => Promise<unknown>][] = [
  ['rollups', 'writeRollups', (s, t) => s.writeRollups([rollup(t, 0)])],
  ['rollups', 'queryRollups', (s) => s.queryRollups({ name: METRIC })],
  ['leases', 'tryAcquire', (s) => s.tryAcquire('pw-conformance-closed', 1_000)],
  ['alertRecords', 'saveAlert', (s, t) => s.saveAlert(alert('a', t))],
  ['alertRecords', 'queryAlerts', (s) => s.queryAlerts({})],
  ['alertRecords', 'saveRule', (s, t) => s.saveRule(rule('r', t))],
  ['alertRecords', 'deleteRule', (s) => s.deleteRule('r')],
  ['alertRecords', 'listRules', (s) => s.listRules()],
  ['deadLetters', 'saveDeadLetter', (s, t) => s.saveDeadLetter(deadLetter('d', t))],
  ['deadLetters', 'listDeadLetters', (s) => s.listDeadLetters()],
  ['deadLetters', 'deleteDeadLetter', (s) => s.deleteDeadLetter('d')],
  ['jobDeadLetters', 'saveJobDeadLetter', (s, t) => s.saveJobDeadLetter(jobLetter('j', t))],
  ['jobDeadLetters', 'listJobDeadLetters', (s) => s.listJobDeadLetters()],
  ['jobDeadLetters', 'deleteJobDeadLetter', (s) => s.deleteJobDeadLetter('j')],
  ['purge', 'purgeBefore', (s, t) => s.purgeBefore(t)],
];

/** Cases of the leases and purge roles, and of close(), each for the roles the adapter declares. */
export function registerLifecycleCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  /** Registers a case that moves the adapter's clock; not registered for server-time adapters. */
  const itWithClock = (name: string, fn: (advance: (ms: number) => Promise<void>) => Promise<void>): void => {
    if (h.serverTime || !h.plays('leases')) return;
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

  if (h.plays('leases')) describe('tryAcquire', () => {
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

  if (h.plays('purge')) describe('purgeBefore', () => {
    if (h.plays('rollups')) {
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
    }

    if (h.plays('alertRecords')) {
      it('deletes resolved alerts older than the timestamp; keeps firing alerts and rules', async () => {
        const s = h.storage();
        const cut = h.now();
        const old = cut - 60_000;
        await s.saveAlert(resolvedAlert('old-resolved', old));
        await s.saveAlert(resolvedAlert('recent-resolved', cut + 60_000));
        await s.saveAlert(alert('old-firing', old - 60_000));
        await s.saveRule(rule('old-rule', old - 60_000));
        expect(await s.purgeBefore(cut)).toBe(1);
        expect(ids(await s.queryAlerts({}))).toEqual(['recent-resolved', 'old-firing']);
        expect(ids(await s.listRules())).toEqual(['old-rule']);
        expect(await s.purgeBefore(cut)).toBe(0);
      });
    }

    if (h.plays('deadLetters')) {
      it('deletes notification dead letters that failed before the timestamp', async () => {
        const s = h.storage();
        const cut = h.now();
        await s.saveDeadLetter(deadLetter('old', cut - 60_000));
        await s.saveDeadLetter(deadLetter('at-cut', cut)); // failed at the timestamp itself: not older, kept
        await s.saveDeadLetter(deadLetter('recent', cut + 60_000));
        expect(await s.purgeBefore(cut)).toBe(1);
        expect(ids(await s.listDeadLetters())).toEqual(['at-cut', 'recent']);
        expect(await s.purgeBefore(cut)).toBe(0);
      });
    }

    if (h.plays('jobDeadLetters')) {
      it('deletes job dead letters that failed before the timestamp', async () => {
        const s = h.storage();
        const cut = h.now();
        await s.saveJobDeadLetter(jobLetter('old-1', cut - 60_000));
        await s.saveJobDeadLetter(jobLetter('old-2', cut - 59_999, 'export-data'));
        await s.saveJobDeadLetter(jobLetter('recent', cut + 60_000));
        expect(await s.purgeBefore(cut)).toBe(2);
        expect(ids(await s.listJobDeadLetters())).toEqual(['recent']);
        expect(await s.purgeBefore(cut)).toBe(0);
      });
    }

    it('counts every kind of record it holds in one total', async () => {
      const s = h.storage();
      const base = baseTime(h);
      const cut = h.now();
      let expected = 0;
      if (h.plays('rollups')) {
        await s.writeRollups([rollup(base, 0), rollup(base, 1, { route: '/x' })]);
        expected += 2;
      }
      if (h.plays('alertRecords')) {
        await s.saveAlert(resolvedAlert('r', cut - 1_000));
        expected += 1;
      }
      if (h.plays('deadLetters')) {
        await s.saveDeadLetter(deadLetter('d', cut - 1_000));
        expected += 1;
      }
      if (h.plays('jobDeadLetters')) {
        await s.saveJobDeadLetter(jobLetter('j', cut - 1_000));
        expected += 1;
      }
      expect(await s.purgeBefore(cut)).toBe(expected);
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
      if (h.plays('rollups')) await s.writeRollups([rollup(baseTime(h), 0)]);
      await s.close();
      const calls = CALLS.filter(([role]) => h.plays(role));
      for (const [, method, call] of calls) expectStorageError(h, method, await rejection(h, method, () => call(s, t)));
    });
  });
}
