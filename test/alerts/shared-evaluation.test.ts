/**
 * Instances sharing a store evaluate once per tick between them (the evaluation lease), share
 * their alerts through the store, and a restarted instance resumes where the fleet left off:
 * a pending `for` goes on from its stored `activeAt`, a firing alert neither fires nor notifies
 * again, and an acknowledgement made anywhere silences repeats everywhere.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { HOUR, MINUTE, SECOND, T0, recordingNotifier, setup } from './support.js';
import { fleet } from './fleet-support.js';

describe('one evaluator per tick', () => {
  it('evaluates on one instance per tick while the others read its alerts', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    const c = await f.start();
    const results = await f.evaluate(0, a, b, c);
    expect(results.map((r) => r.evaluated)).toEqual([true, false, false]);
    expect(results.map((r) => r.firing)).toEqual([1, 1, 1]);
    expect(f.sent('firing')).toHaveLength(1);
    // Every instance lists the fleet's alert, with one id.
    const ids = [a, b, c].map((i) => i.s.monitor.alerts.getActiveAlerts().map((x) => x.id));
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    // The same instance keeps evaluating at the next ticks, whoever asks first.
    const next = await f.evaluate(15 * SECOND, c, b, a);
    expect(next.map((r) => r.evaluated)).toEqual([false, false, true]);
  });

  it('fails over to another instance within two intervals when the evaluating one stops', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    await a.s.monitor.close();
    // a took the next tick's lease before it stopped: that tick has no evaluator.
    const [missed] = await f.evaluate(15 * SECOND, b);
    expect(missed!.evaluated).toBe(false);
    const [taken] = await f.evaluate(30 * SECOND, b);
    expect(taken!.evaluated).toBe(true);
    // b carries on with a's alert: no second firing notification, and it resolves it.
    expect(f.sent('firing')).toHaveLength(1);
    // Rules read the fleet's data: a's last CPU value counts until it leaves the 1 m window.
    b.cpu.set(50);
    await f.evaluate(45 * SECOND, b);
    expect(f.sent('resolved')).toEqual([]);
    await f.evaluate(2 * MINUTE, b);
    expect(f.sent('resolved')).toHaveLength(1);
    expect(b.s.monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('lets any instance resolve by hand, and the evaluating one follows', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    a.cpu.set(50);
    b.cpu.set(50);
    await b.s.monitor.alerts.resolve(alert!.id);
    await f.evaluate(15 * SECOND, a, b);
    expect(a.s.monitor.alerts.getActiveAlerts()).toEqual([]);
    await b.s.monitor.notifications.idle();
    expect(f.sent('resolved')).toHaveLength(1);
  });

  it('evaluates on every instance with sharedEvaluation: false', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const [a, b] = [0, 1].map(() => setup({ storage, alerts: { sharedEvaluation: false } }, clock));
    const results = [await a!.monitor.alerts.evaluate(), await b!.monitor.alerts.evaluate()];
    expect(results.map((r) => r.evaluated)).toEqual([true, true]);
  });
});

describe('state shared through the store', () => {
  it('silences repeats on the evaluating instance when another acknowledges', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    await b.s.monitor.alerts.acknowledge(alert!.id, 'bob');
    for (let t = MINUTE; t <= 20 * MINUTE; t += MINUTE) await f.evaluate(t, a, b);
    expect(f.sent('firing')).toHaveLength(1);
    expect(a.s.monitor.alerts.getActiveAlerts()[0]).toMatchObject({ id: alert!.id, acknowledgedBy: 'bob' });
  });

  it('silences a repeat due in the same tick as an acknowledgement made elsewhere', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    // b mirrored the alert at T0; it acknowledges after a's last read of the store.
    await f.evaluate(5 * MINUTE - 15 * SECOND, a);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    await b.s.monitor.alerts.acknowledge(alert!.id, 'bob');
    await f.evaluate(5 * MINUTE, a);
    expect(f.sent('firing')).toHaveLength(1);
  });

  it('leaves pending and never-fired records out of the history', async () => {
    const f = fleet({ duration: '10m' });
    const a = await f.start();
    await f.evaluate(0, a);
    expect(await f.storage.queryAlerts({ status: 'pending' })).toHaveLength(1);
    a.cpu.set(50);
    await f.evaluate(MINUTE, a);
    expect(await f.storage.queryAlerts({ status: 'pending' })).toEqual([]);
    expect(await f.storage.queryAlerts({})).toMatchObject([{ status: 'resolved', neverFired: true }]);
    expect(await a.s.monitor.alerts.getAlertHistory()).toEqual([]);
  });
});

describe('restarts', () => {
  it('resume a pending alert\'s `for` from where it was', async () => {
    const f = fleet({ duration: '10m' });
    const first = await f.start();
    await f.evaluate(0, first);
    await f.evaluate(4 * MINUTE, first);
    expect(first.s.monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 }]);
    await first.s.monitor.close();
    f.clock.set(T0 + 6 * MINUTE);
    const second = await f.start();
    await f.evaluate(6 * MINUTE, second);
    expect(second.s.monitor.alerts.getPendingAlerts()).toMatchObject([{ ruleId: 'cpu-high', activeAt: T0 }]);
    const [fired] = await f.evaluate(10 * MINUTE, second);
    expect(fired!.triggered).toMatchObject([{ activeAt: T0, startsAt: T0 + 10 * MINUTE }]);
    expect(f.sent('firing')).toHaveLength(1);
  });

  it('neither fire nor notify again for an alert that was firing, and resolve it once', async () => {
    const f = fleet();
    const first = await f.start();
    await f.evaluate(0, first);
    const [before] = first.s.monitor.alerts.getActiveAlerts();
    await first.s.monitor.close();
    const second = await f.start();
    const [result] = await f.evaluate(MINUTE, second);
    expect(result!.triggered).toEqual([]);
    expect(second.s.monitor.alerts.getActiveAlerts()).toMatchObject([{ id: before!.id, startsAt: T0 }]);
    expect(f.sent('firing')).toHaveLength(1);
    second.cpu.set(50);
    await f.evaluate(2 * MINUTE, second);
    expect(f.sent('resolved')).toHaveLength(1);
    // Its notification ids do not repeat the first instance's.
    const ids = [...f.sent('firing'), ...f.sent('resolved')].map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keep an acknowledgement across a restart', async () => {
    const f = fleet({ cooldown: '5m' });
    const first = await f.start();
    await f.evaluate(0, first);
    const [alert] = first.s.monitor.alerts.getActiveAlerts();
    await first.s.monitor.alerts.acknowledge(alert!.id, 'ann');
    await first.s.monitor.close();
    const second = await f.start();
    for (let t = MINUTE; t <= 12 * MINUTE; t += MINUTE) await f.evaluate(t, second);
    expect(f.sent('firing')).toHaveLength(1);
  });

  it('start a pending `for` again after an outage longer than outageTolerance', async () => {
    const f = fleet({ duration: '2h' });
    const first = await f.start();
    await f.evaluate(0, first);
    await first.s.monitor.close();
    const second = await f.start();
    await f.evaluate(90 * MINUTE, second);
    expect(second.s.monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 + 90 * MINUTE }]);
    expect(await f.storage.queryAlerts({ status: 'pending' })).toHaveLength(1);
  });

  it('keep a pending record fresh with heartbeats, so a long `for` survives a restart', async () => {
    const f = fleet({ duration: '3h' });
    const first = await f.start();
    for (let t = 0; t <= 2 * HOUR; t += 15 * MINUTE) await f.evaluate(t, first);
    await first.s.monitor.close();
    const second = await f.start();
    await f.evaluate(2 * HOUR + 30 * MINUTE, second);
    expect(second.s.monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 }]);
  });

  it('resolve, with its resolved message, an alert whose rule was deleted while no instance ran', async () => {
    const f = fleet();
    const first = await f.start();
    await f.evaluate(0, first);
    await first.s.monitor.close();
    await f.storage.deleteRule('cpu-high');
    const slack = recordingNotifier('slack');
    const second = setup({ storage: f.storage, notifiers: [slack] }, f.clock);
    await f.clock.advanceAsync(MINUTE);
    await second.monitor.alerts.evaluate();
    await second.monitor.notifications.idle();
    expect(await f.storage.queryAlerts({ status: 'firing' })).toEqual([]);
    expect(slack.with('resolved')).toHaveLength(1);
  });

  it('keep a regression baseline the fleet learned, through restarts and rule syncs', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const rule = { id: 'slower-jobs', name: 'Jobs slower', metric: 'job_duration_milliseconds', aggregation: { type: 'regression', minCount: 2 }, window: '1m', condition: 'gt', threshold: 10 } as const;
    const first = setup({ storage }, clock);
    const h1 = first.monitor.histogram({ name: 'job_duration_milliseconds' });
    await first.monitor.alerts.ensureRule(rule);
    h1.observe(100);
    h1.observe(100);
    await first.at(SECOND);
    const [stored] = await storage.listRules();
    expect(stored).toMatchObject({ id: 'slower-jobs', baselines: { '0\u0000': 100 } });
    await first.monitor.close();
    // Restarted two minutes later with slower jobs only in its window: it compares with 100, not with them.
    const second = setup({ storage }, clock);
    const h2 = second.monitor.histogram({ name: 'job_duration_milliseconds' });
    await second.monitor.alerts.ensureRule(rule);
    await second.at(2 * MINUTE);
    h2.observe(150);
    h2.observe(150);
    await second.at(2 * MINUTE + SECOND);
    expect(second.monitor.alerts.getActiveAlerts()).toMatchObject([{ ruleId: 'slower-jobs', value: 50 }]);
    // An edit that keeps the conditions keeps the baseline in the store too.
    await second.monitor.alerts.updateRule('slower-jobs', { description: 'p50 of job runs against the learned one' });
    expect((await storage.listRules())[0]).toMatchObject({ description: 'p50 of job runs against the learned one', baselines: { '0\u0000': 100 } });
  });
});
