import { describe, expect, it } from 'vitest';
import { MemoryStorage, StorageError, ValidationError, isPulsewatchError, type AlertRuleInput, type MonitorOptions, type StorageAdapter } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';
import { FlakyStorage } from '../helpers/flaky-storage.js';
import { MINUTE, SECOND, T0, recordingNotifier, setup } from './support.js';

const LEVEL_RULE: AlertRuleInput = { name: 'level high', metric: 'level', aggregation: 'last', window: '1m', condition: 'gt', threshold: 5 };

/** Two monitors on one MemoryStorage and one clock, each with a `level` gauge at 10. */
function twoInstances(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const a = setup({ storage, ...options }, clock);
  const b = setup({ storage, ...options }, clock);
  const levels = [a, b].map((s) => s.monitor.gauge({ name: 'level' }));
  for (const g of levels) g.set(10);
  return { clock, storage, a, b, levels };
}

const rejecting = (what: string) => () => Promise.reject(new Error(`${what}: connection refused`));

describe('alert records in storage', () => {
  it('stores an alert when it fires and again when it resolves', async () => {
    const { monitor, at } = setup();
    const level = monitor.gauge({ name: 'level' });
    level.set(10);
    const rule = await monitor.alerts.createRule(LEVEL_RULE);
    await at(0);
    const [firing] = await monitor.alerts.getAlertHistory();
    expect(firing).toMatchObject({ ruleId: rule.id, status: 'firing', startsAt: T0 });
    level.set(1);
    await at(15 * SECOND);
    expect(await monitor.alerts.getAlertHistory()).toMatchObject([{ id: firing!.id, status: 'resolved', endsAt: T0 + 15 * SECOND }]);
  });

  it('lists history newest first and filters by status, rule, fingerprint, time and limit', async () => {
    // Evaluations only when asked for, so each change lands at a known time.
    const { monitor, at } = setup({ alerts: { evaluationInterval: '1h' } });
    const level = monitor.gauge({ name: 'level' });
    const other = monitor.gauge({ name: 'other' });
    const r1 = await monitor.alerts.createRule(LEVEL_RULE);
    const r2 = await monitor.alerts.createRule({ ...LEVEL_RULE, name: 'other high', metric: 'other' });
    level.set(10);
    await at(0);
    level.set(1);
    await at(MINUTE);
    other.set(10);
    await at(2 * MINUTE);
    level.set(10);
    await at(3 * MINUTE);
    const history = await monitor.alerts.getAlertHistory();
    expect(history.map((a) => [a.ruleId, a.status, a.updatedAt])).toEqual([
      [r1.id, 'firing', T0 + 3 * MINUTE],
      [r2.id, 'firing', T0 + 2 * MINUTE],
      [r1.id, 'resolved', T0 + MINUTE],
    ]);
    expect(await monitor.alerts.getAlertHistory({ status: 'resolved' })).toHaveLength(1);
    expect((await monitor.alerts.getAlertHistory({ ruleId: r1.id })).map((a) => a.status)).toEqual(['firing', 'resolved']);
    expect(await monitor.alerts.getAlertHistory({ fingerprint: history[1]!.fingerprint })).toEqual([history[1]]);
    expect(await monitor.alerts.getAlertHistory({ from: T0 + 2 * MINUTE })).toHaveLength(2);
    expect(await monitor.alerts.getAlertHistory({ to: T0 + 2 * MINUTE })).toEqual([history[2]]);
    expect(await monitor.alerts.getAlertHistory({ limit: 1 })).toEqual([history[0]]);
  });

  it('rejects getAlertHistory with a StorageError when the store fails', async () => {
    const clock = new ManualClock(T0);
    const storage = delegatingStorage(new MemoryStorage({ now: () => clock.now() }), { name: 'down', queryAlerts: rejecting('queryAlerts') });
    const { monitor } = setup({ storage }, clock);
    await expect(monitor.alerts.getAlertHistory()).rejects.toBeInstanceOf(StorageError);
  });
});

describe('rules shared through storage', () => {
  it('evaluates rules another instance created, after the sync interval', async () => {
    const { a, b, clock } = twoInstances();
    await b.monitor.alerts.evaluate(); // b's first sync, before the rule exists
    clock.advance(SECOND);
    const rule = await a.monitor.alerts.createRule(LEVEL_RULE);
    await b.at(15 * SECOND);
    expect(b.monitor.alerts.getRules()).toEqual([]);
    expect(b.monitor.alerts.getActiveAlerts()).toEqual([]);
    await b.at(30 * SECOND);
    expect(b.monitor.alerts.getRules()).toEqual([rule]);
    expect(b.monitor.alerts.getActiveAlerts()).toMatchObject([{ ruleId: rule.id }]);
  });

  it('re-reads rules at the configured syncInterval', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const a = setup({ storage }, clock);
    const b = setup({ storage, alerts: { syncInterval: '2m' } }, clock);
    await b.monitor.alerts.evaluate();
    await a.monitor.alerts.createRule(LEVEL_RULE);
    await b.at(MINUTE + 45 * SECOND);
    expect(b.monitor.alerts.getRules()).toEqual([]);
    await b.at(2 * MINUTE);
    expect(b.monitor.alerts.getRules()).toHaveLength(1);
  });

  it('takes changes made on another instance after the sync interval', async () => {
    const { a, b } = twoInstances();
    const rule = await a.monitor.alerts.createRule(LEVEL_RULE);
    await b.at(0);
    expect(b.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    await a.monitor.alerts.updateRule(rule.id, { threshold: 50 });
    await b.at(30 * SECOND);
    expect(b.monitor.alerts.getRule(rule.id)).toMatchObject({ threshold: 50 });
    expect(b.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(b.events.resolved).toHaveLength(1);
  });

  it('resolves once what a deleted rule had firing; the other instances stop listing it at their next tick', async () => {
    const { a, b, clock } = twoInstances();
    const rule = await a.monitor.alerts.createRule(LEVEL_RULE);
    await a.monitor.alerts.evaluate();
    await b.monitor.alerts.evaluate();
    expect(b.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    clock.advance(SECOND);
    await a.monitor.alerts.deleteRule(rule.id);
    expect(a.events.resolved).toHaveLength(1);
    await b.at(15 * SECOND);
    expect(b.monitor.alerts.getActiveAlerts()).toEqual([]);
    await b.at(30 * SECOND);
    expect(b.monitor.alerts.getRules()).toEqual([]);
    expect(b.events.resolved).toEqual([]);
  });

  it('resolves on every instance what a rule deleted on one of them had firing, with sharedEvaluation: false', async () => {
    const { a, b, clock } = twoInstances({ alerts: { sharedEvaluation: false } });
    const rule = await a.monitor.alerts.createRule(LEVEL_RULE);
    await a.monitor.alerts.evaluate();
    await b.monitor.alerts.evaluate();
    expect(b.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    clock.advance(SECOND);
    await a.monitor.alerts.deleteRule(rule.id);
    expect(a.events.resolved).toHaveLength(1);
    await b.at(15 * SECOND);
    expect(b.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    await b.at(30 * SECOND);
    expect(b.monitor.alerts.getRules()).toEqual([]);
    expect(b.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(b.events.resolved).toMatchObject([{ ruleId: rule.id, status: 'resolved', endsAt: T0 + 30 * SECOND }]);
  });

  it('loads stored rules into a new instance (a restart) at its first evaluation', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const first = setup({ storage }, clock);
    const rule = await first.monitor.alerts.createRule(LEVEL_RULE);
    await first.monitor.close();
    const second = setup({ storage }, clock);
    expect(second.monitor.alerts.getRules()).toEqual([]);
    second.monitor.gauge({ name: 'level' }).set(10);
    await second.monitor.alerts.evaluate();
    expect(second.monitor.alerts.getRules()).toEqual([rule]);
    expect(second.monitor.alerts.getActiveAlerts()).toHaveLength(1);
  });

  it('skips an invalid stored rule, reporting it, and loads the others', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    await storage.saveRule({ id: 'broken', name: 'broken', createdAt: T0, updatedAt: T0, metric: 'level', condition: 'over', threshold: 1 });
    const a = setup({ storage }, clock);
    await a.monitor.alerts.createRule({ ...LEVEL_RULE, id: 'fine' });
    const b = setup({ storage }, clock);
    await b.monitor.alerts.evaluate();
    expect(b.monitor.alerts.getRules().map((r) => r.id)).toEqual(['fine']);
    expect(b.events.errors.some((e) => e instanceof ValidationError && e.message.includes('broken'))).toBe(true);
  });

  it('keeps evaluating the rules it has when reading rules from storage fails', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    let down = false;
    const storage = delegatingStorage(inner, { name: 'sometimes', listRules: (o) => (down ? Promise.reject(new Error('listRules: timeout')) : inner.listRules(o)) });
    const s = setup({ storage }, clock);
    s.monitor.gauge({ name: 'level' }).set(10);
    await s.monitor.alerts.createRule(LEVEL_RULE);
    down = true;
    await expect(s.monitor.alerts.evaluate()).resolves.toMatchObject({ rules: 1, firing: 1 });
    expect(s.events.errors.some((e) => e instanceof StorageError)).toBe(true);
  });
});

describe('a failing store', () => {
  /** A store where every call the engine makes during evaluation rejects. */
  function brokenStore(clock: ManualClock): StorageAdapter {
    const inner = new MemoryStorage({ now: () => clock.now() });
    return delegatingStorage(inner, {
      name: 'broken',
      listRules: rejecting('listRules'),
      saveAlert: rejecting('saveAlert'),
      tryAcquire: rejecting('tryAcquire'),
      queryRollups: rejecting('queryRollups'),
      queryAlerts: rejecting('queryAlerts'),
      writeRollups: rejecting('writeRollups'),
    });
  }

  it('never makes evaluate() reject; failures go to the error event as StorageErrors', async () => {
    const clock = new ManualClock(T0);
    const slack = recordingNotifier('slack');
    const s = setup({ storage: brokenStore(clock), notifiers: [slack] }, clock);
    s.monitor.gauge({ name: 'level' }).set(10);
    await s.monitor.alerts.createRule(LEVEL_RULE);
    await expect(s.monitor.alerts.evaluate()).resolves.toMatchObject({ rules: 1, firing: 1 });
    for (let t = 15 * SECOND; t <= 2 * MINUTE; t += 15 * SECOND) await expect(s.at(t)).resolves.toBeDefined();
    expect(s.events.triggered).toHaveLength(1);
    const storageErrors = s.events.errors.filter((e) => e instanceof StorageError);
    expect(storageErrors.length).toBeGreaterThan(0);
    expect(s.events.errors.every((e) => isPulsewatchError(e))).toBe(true);
    // Without the lease store, sending twice beats not sending.
    await s.monitor.notifications.idle();
    expect(slack.with('firing', 'first notification')).toHaveLength(1);
  });

  it('reports a failed read of stored rollups as a StorageError and keeps evaluating the other rules', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    const storage = delegatingStorage(inner, { name: 'no-reads', queryRollups: rejecting('queryRollups') });
    const s = setup({ storage }, clock);
    const h = s.monitor.histogram({ name: 'latency_ms' });
    s.monitor.gauge({ name: 'level' }).set(10);
    await s.monitor.alerts.createRule({ name: 'hourly latency', metric: 'latency_ms', aggregation: 'avg', window: '1h', condition: 'gt', threshold: 1 });
    await s.monitor.alerts.createRule(LEVEL_RULE);
    h.observe(100);
    await s.clock.advanceAsync(20 * MINUTE);
    await expect(s.monitor.alerts.evaluate()).resolves.toBeDefined();
    expect(s.monitor.alerts.getActiveAlerts().map((a) => a.ruleName)).toContain('level high');
    expect(s.events.errors.length).toBeGreaterThan(0);
    expect(s.events.errors.map((e) => `${e.name}: ${e.message}`).filter((m) => !m.startsWith('StorageError'))).toEqual([]);
  });

  it('keeps evaluating while rollup writes fail (FlakyStorage)', async () => {
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() }).fail();
    const s = setup({ storage }, clock);
    const h = s.monitor.histogram({ name: 'latency_ms' });
    await s.monitor.alerts.createRule({ name: 'slow', metric: 'latency_ms', aggregation: 'avg', window: '1m', condition: 'gt', threshold: 100 });
    h.observe(500);
    await expect(s.at(SECOND)).resolves.toBeDefined();
    await expect(s.at(2 * MINUTE)).resolves.toBeDefined();
    expect(storage.failedAttempts.length).toBeGreaterThan(0);
    expect(s.events.triggered).toHaveLength(1);
    expect(s.events.resolved).toHaveLength(1);
  });

  it('rejects createRule with a StorageError when the rule cannot be stored, and keeps no such rule', async () => {
    const clock = new ManualClock(T0);
    const storage = delegatingStorage(new MemoryStorage({ now: () => clock.now() }), { name: 'ro', saveRule: rejecting('saveRule') });
    const s = setup({ storage }, clock);
    await expect(s.monitor.alerts.createRule(LEVEL_RULE)).rejects.toBeInstanceOf(StorageError);
    expect(s.monitor.alerts.getRules()).toEqual([]);
  });

  it('rejects deleteRule with a StorageError when the store fails, and keeps the rule', async () => {
    const clock = new ManualClock(T0);
    const storage = delegatingStorage(new MemoryStorage({ now: () => clock.now() }), { name: 'no-delete', deleteRule: rejecting('deleteRule') });
    const s = setup({ storage }, clock);
    const rule = await s.monitor.alerts.createRule(LEVEL_RULE);
    await expect(s.monitor.alerts.deleteRule(rule.id)).rejects.toBeInstanceOf(StorageError);
    expect(s.monitor.alerts.getRules()).toHaveLength(1);
  });

  it('still resolves and acknowledges when saving alert records fails', async () => {
    const clock = new ManualClock(T0);
    const storage = delegatingStorage(new MemoryStorage({ now: () => clock.now() }), { name: 'no-alerts', saveAlert: rejecting('saveAlert') });
    const s = setup({ storage }, clock);
    const alert = await s.monitor.alerts.triggerAlert({ name: 'manual' });
    await expect(s.monitor.alerts.acknowledge(alert.id, 'alice')).resolves.toMatchObject({ acknowledgedBy: 'alice' });
    await expect(s.monitor.alerts.resolve(alert.id)).resolves.toMatchObject({ status: 'resolved' });
    expect(s.events.errors.filter((e) => e instanceof StorageError)).toHaveLength(3);
  });
});

describe('evaluation never rejects', () => {
  it('survives a gauge whose collect callback throws, even in strict mode', async () => {
    const s = setup({ strict: true });
    s.monitor.gauge({
      name: 'level',
      collect: () => {
        throw new Error('sensor unplugged');
      },
    });
    await s.monitor.alerts.createRule(LEVEL_RULE);
    await expect(s.monitor.alerts.evaluate()).resolves.toBeDefined();
    expect(s.events.errors.length).toBeGreaterThan(0);
  });

  it('survives a listener that throws', async () => {
    const s = setup();
    s.monitor.on('alertTriggered', () => {
      throw new Error('listener bug');
    });
    s.monitor.gauge({ name: 'level' }).set(10);
    await s.monitor.alerts.createRule(LEVEL_RULE);
    await expect(s.monitor.alerts.evaluate()).resolves.toMatchObject({ firing: 1 });
  });
});
