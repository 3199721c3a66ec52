/**
 * Declaring a rule at start-up (`ensureRule`) on several monitors sharing one MemoryStorage:
 * any number of instances and restarts leave one rule, a changed definition updates it, an
 * unchanged one writes nothing. And `createRule`'s "id taken" check asks the store.
 */
import { describe, expect, it } from 'vitest';
import { LimitError, MemoryStorage, StorageError, rulePacks, type StorageAdapter, type StoredRule } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';
import { DECLARED, MINUTE, SECOND, T0, expectValidationError, setup } from './support.js';


/** A MemoryStorage on `clock` whose saveRule calls are counted. */
function countingStore(clock: ManualClock, overrides: Partial<StorageAdapter> = {}) {
  const inner = new MemoryStorage({ now: () => clock.now() });
  const saved: StoredRule[] = [];
  const storage = delegatingStorage(inner, {
    name: 'memory',
    saveRule: (r, o) => {
      saved.push(structuredClone(r));
      return inner.saveRule(r, o);
    },
    ...overrides,
  });
  return { inner, storage, saved };
}

/** Starts `count` monitors on `storage`, runs `declare` on each, closes them. */
async function runInstances(count: number, storage: StorageAdapter, clock: ManualClock, declare: (s: ReturnType<typeof setup>) => Promise<unknown>): Promise<void> {
  const instances = Array.from({ length: count }, () => setup({ storage }, clock));
  await Promise.all(instances.map(declare));
  await Promise.all(instances.map((s) => s.monitor.close()));
}

describe('ensureRule: declaring a rule at start-up', () => {
  it('leaves one rule after 3 instances x 2 restarts, written once', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage, saved } = countingStore(clock);
    for (let restart = 0; restart < 2; restart++) {
      await runInstances(3, storage, clock, (s) => s.monitor.alerts.ensureRule(DECLARED));
      await clock.advanceAsync(MINUTE);
    }
    const rules = await inner.listRules();
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ id: 'checkout-latency', name: 'High Response Time', window: 300_000, createdAt: T0, updatedAt: T0 });
    // Three at the same moment on an empty store each write it (the store keeps one); no restart writes.
    expect(saved).toHaveLength(3);
  });

  it('ends with one rule when two instances declare it at the same moment', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage } = countingStore(clock);
    const [a, b] = [setup({ storage }, clock), setup({ storage }, clock)];
    const [ra, rb] = await Promise.all([a.monitor.alerts.ensureRule(DECLARED), b.monitor.alerts.ensureRule(DECLARED)]);
    expect(ra).toEqual(rb);
    expect(await inner.listRules()).toEqual([ra]);
    expect(a.monitor.alerts.getRules()).toEqual([ra]);
    expect(b.monitor.alerts.getRules()).toEqual([ra]);
  });

  it('updates a changed definition in place: same id and createdAt, later updatedAt, seen by every instance', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage, saved } = countingStore(clock);
    const a = setup({ storage, alerts: { syncInterval: '15s' } }, clock);
    const first = await a.monitor.alerts.ensureRule(DECLARED);
    await clock.advanceAsync(10 * MINUTE);
    // The next deploy raises the threshold.
    const b = setup({ storage }, clock);
    const second = await b.monitor.alerts.ensureRule({ ...DECLARED, threshold: 2 });
    expect(second).toMatchObject({ id: first.id, createdAt: T0, updatedAt: T0 + 10 * MINUTE, threshold: 2 });
    expect(await inner.listRules()).toEqual([second]);
    expect(saved).toHaveLength(2);
    await a.advance(15 * SECOND); // its next sync
    expect(a.monitor.alerts.getRule(first.id)).toEqual(second);
  });

  it('bumps updatedAt past the stored one even when the clock has not moved', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage } = countingStore(clock);
    const { monitor } = setup({ storage }, clock);
    await monitor.alerts.ensureRule(DECLARED);
    const changed = await monitor.alerts.ensureRule({ ...DECLARED, severity: 'warning' });
    expect(changed.updatedAt).toBe(T0 + 1);
    expect(await inner.listRules()).toMatchObject([{ severity: 'warning', updatedAt: T0 + 1 }]);
  });

  it('writes nothing for the same definition spelled differently (durations in ms, keys in another order)', async () => {
    const clock = new ManualClock(T0);
    // PostgreSQL's jsonb gives a document back with its keys reordered.
    const { inner, storage, saved } = countingStore(clock);
    const reordering = delegatingStorage(storage, {
      name: 'memory',
      listRules: async () => (await inner.listRules()).map((r) => Object.fromEntries(Object.entries(r).reverse()) as StoredRule),
    });
    const { monitor } = setup({ storage: reordering }, clock);
    await monitor.alerts.ensureRule(DECLARED);
    await clock.advanceAsync(MINUTE);
    const { window: _w, duration: _d, ...rest } = DECLARED;
    const again = await monitor.alerts.ensureRule({ duration: '300000ms', window: 300_000, ...rest, aggregation: 'p95' });
    expect(saved).toHaveLength(1);
    expect(again.updatedAt).toBe(T0);
  });

  it('writes nothing when the rule packs (every aggregation shape, multi-condition rules) are declared again', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage, saved } = countingStore(clock);
    const pack = [...rulePacks.defaults(), ...rulePacks.service(), ...rulePacks.sla()].map((r, i) => ({ ...r, id: `pack-${i}` }));
    const declareAll = async (s: ReturnType<typeof setup>): Promise<void> => {
      for (const rule of pack) await s.monitor.alerts.ensureRule(rule);
    };
    await runInstances(1, storage, clock, declareAll);
    await clock.advanceAsync(MINUTE);
    await runInstances(2, storage, clock, declareAll);
    expect(saved).toHaveLength(pack.length);
    expect((await inner.listRules()).map((r) => r.id)).toEqual(pack.map((r) => r.id));
  });

  it('refuses an input that is not a rule, or that throws when read, with a ValidationError', async () => {
    const { monitor } = setup();
    await expectValidationError(monitor.alerts.ensureRule(null as never), '');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    await expectValidationError(monitor.alerts.ensureRule(revoked.proxy as never), '');
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('takes the stored version into memory at once, without waiting for a sync', async () => {
    const clock = new ManualClock(T0);
    const { storage } = countingStore(clock);
    const a = setup({ storage }, clock);
    const stored = await a.monitor.alerts.ensureRule(DECLARED);
    const b = setup({ storage, alerts: { syncInterval: '1h' } }, clock);
    await clock.advanceAsync(MINUTE);
    expect(await b.monitor.alerts.ensureRule(DECLARED)).toEqual(stored);
    expect(b.monitor.alerts.getRules()).toEqual([stored]);
  });

  it('replaces a stored version this version cannot read', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage } = countingStore(clock);
    await inner.saveRule({ id: DECLARED.id, name: 'x', createdAt: T0 - MINUTE, updatedAt: T0 - MINUTE, threshold: 'high' });
    const { monitor } = setup({ storage }, clock);
    const rule = await monitor.alerts.ensureRule(DECLARED);
    expect(rule).toMatchObject({ id: DECLARED.id, threshold: 1, createdAt: T0 - MINUTE, updatedAt: T0 });
    expect(await inner.listRules()).toEqual([rule]);
  });

  it('requires an id', async () => {
    const { monitor } = setup();
    const { id: _id, ...noId } = DECLARED;
    await expectValidationError(monitor.alerts.ensureRule(noId as typeof DECLARED), 'id');
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('rejects with a StorageError when the store cannot be read, and keeps nothing', async () => {
    const clock = new ManualClock(T0);
    const { storage, saved } = countingStore(clock, { listRules: () => Promise.reject(new Error('connection refused')) });
    const { monitor } = setup({ storage }, clock);
    await expect(monitor.alerts.ensureRule(DECLARED)).rejects.toBeInstanceOf(StorageError);
    expect(saved).toEqual([]);
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('refuses a new rule past limits.maxRules, counting rules other instances stored, and still re-declares one that exists', async () => {
    const clock = new ManualClock(T0);
    const { storage } = countingStore(clock);
    const other = setup({ storage }, clock);
    await other.monitor.alerts.ensureRule({ ...DECLARED, id: 'other' });
    const { monitor } = setup({ storage, limits: { maxRules: 1 } }, clock);
    await expect(monitor.alerts.ensureRule(DECLARED)).rejects.toBeInstanceOf(LimitError);
    expect(await monitor.alerts.ensureRule({ ...DECLARED, id: 'other' })).toMatchObject({ id: 'other' });
  });
});

describe('createRule with an id', () => {
  it('is refused as taken when another instance stored that id and this one has not synced it', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage } = countingStore(clock);
    const a = setup({ storage }, clock);
    const b = setup({ storage, alerts: { syncInterval: '1h' } }, clock);
    const original = await a.monitor.alerts.createRule(DECLARED);
    expect(b.monitor.alerts.getRule(DECLARED.id)).toBeUndefined();
    const error = await expectValidationError(b.monitor.alerts.createRule({ ...DECLARED, threshold: 5 }), 'id');
    expect(error.issues).toEqual([{ path: 'id', message: 'is taken' }]);
    expect(await inner.listRules()).toEqual([original]);
  });

  it('does not read the store for a rule without an id', async () => {
    const clock = new ManualClock(T0);
    let lists = 0;
    const { storage } = countingStore(clock, { listRules: async () => (lists++, []) });
    const { monitor } = setup({ storage }, clock);
    const { id: _id, ...noId } = DECLARED;
    await monitor.alerts.createRule(noId);
    expect(lists).toBe(0);
  });
});
