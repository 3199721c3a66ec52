/**
 * Faults found in review of shared evaluation (each test failed before its fix): stale writes
 * racing a resolution, a rule deleted on a follower, state channels after a takeover, manual
 * alerts after a restart, baselines through a deploy, pending records without shared
 * evaluation, hostile stored records, skewed clocks, a healed partition, follower memory.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type AlertRuleInput, type StorageAdapter } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { HOUR, MINUTE, SECOND, T0, recordingNotifier, setup } from './support.js';
import { fleet } from './fleet-support.js';

describe('shared evaluation faults', () => {
  it('refuses an acknowledgement of an alert another instance resolved, and keeps it resolved', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    a.cpu.set(50); b.cpu.set(50);
    await f.evaluate(2 * MINUTE, a);               // a resolves; b has not pulled yet
    expect(f.sent('resolved')).toHaveLength(1);
    // b has not read the store since: it still lists the alert, but the store says resolved.
    await expect(b.s.monitor.alerts.acknowledge(alert!.id, 'bob')).rejects.toMatchObject({ code: 'ERR_PULSEWATCH_NOT_FOUND' });
    for (let t = 2 * MINUTE + 15 * SECOND; t <= 20 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    expect(await f.storage.queryAlerts({ status: 'firing' })).toEqual([]);
    expect(b.s.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(f.sent('resolved')).toHaveLength(1);
  });

  it('keeps a resolution when a stale firing copy lands in the store after it', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    a.cpu.set(50); b.cpu.set(50);
    await f.evaluate(2 * MINUTE, a);
    // A firing copy written late (a retried save from before an outage).
    await f.storage.saveAlert({ ...alert!, updatedAt: T0 + 2 * MINUTE + 1 });
    await f.evaluate(2 * MINUTE + 15 * SECOND, a, b);
    expect(await f.storage.queryAlerts({ status: 'firing' })).toEqual([]);
    for (let t = 2 * MINUTE + 30 * SECOND; t <= 20 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    expect(f.sent('resolved')).toHaveLength(1);
  });

  it('sends one resolved message when a follower resolves by hand what the evaluating instance just resolved', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    a.cpu.set(50); b.cpu.set(50);
    await f.evaluate(2 * MINUTE, a);
    await expect(b.s.monitor.alerts.resolve(alert!.id)).rejects.toMatchObject({ code: 'ERR_PULSEWATCH_NOT_FOUND' });
    await b.s.monitor.notifications.idle();
    expect(f.sent('resolved')).toHaveLength(1);
  });

  it('does not fire a rule again on the evaluating instance after a follower deleted it', async () => {
    const f = fleet({ cooldown: '1m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    await b.s.monitor.alerts.acknowledge(alert!.id, 'bob'); // no repeats: the 1 m cooldown lease lapses
    await f.evaluate(2 * MINUTE, a, b);                     // a synced its rules at 2:00
    await b.s.monitor.alerts.deleteRule('cpu-high');         // b resolves (1 resolved message)
    await b.s.monitor.notifications.idle();
    await f.evaluate(2 * MINUTE + 15 * SECOND, a, b);
    expect(a.s.events.triggered).toHaveLength(1);
    expect(a.s.monitor.alerts.getRules()).toEqual([]);
    await f.evaluate(2 * MINUTE + 30 * SECOND, a, b);
    expect(f.sent('firing')).toHaveLength(1);
    expect(f.sent('resolved')).toHaveLength(1);
  });

  it('re-posts a taken-over alert to state channels (Alertmanager)', async () => {
    const f = fleet({}, { am: true });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    await a.s.monitor.close();
    for (let t = 15 * SECOND; t <= 10 * MINUTE; t += 15 * SECOND) await f.evaluate(t, b);
    expect(b.s.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    // Posted at the takeover and every resendDelay (1 m) since: Alertmanager's copy never expires.
    const posts = f.instances[1]!.am.sent.map((n) => n.createdAt);
    expect(posts.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < posts.length; i++) expect(posts[i]! - posts[i - 1]!).toBeLessThanOrEqual(MINUTE + 15 * SECOND);
  });

  it('updates, not duplicates, a manual alert raised again right after a restart', async () => {
    const f = fleet();
    const a = await f.start(95, false);
    const m = { name: 'DB down', message: 'db unreachable', severity: 'critical' as const };
    const first = await a.s.monitor.alerts.triggerAlert(m);
    await a.s.monitor.notifications.idle();
    await a.s.monitor.close();
    f.clock.set(T0 + 10 * MINUTE);           // past the 5 m cooldown
    const b = await f.start(95, false);
    const again = await b.s.monitor.alerts.triggerAlert(m); // health check at start-up
    expect(again.id).toBe(first.id);
    await f.evaluate(10 * MINUTE + 15 * SECOND, b);
    expect(f.sent('resolved')).toEqual([]);
    expect(b.s.monitor.alerts.getActiveAlerts()).toMatchObject([{ id: first.id }]);
  });

  it('keeps stored baselines through a deploy that changes a rule but not its conditions', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const rule = { id: 'slower-jobs', name: 'Jobs slower', metric: 'job_duration_milliseconds', aggregation: { type: 'regression', minCount: 2 }, window: '1m', condition: 'gt', threshold: 10 } as const;
    const first = setup({ storage }, clock);
    const h1 = first.monitor.histogram({ name: 'job_duration_milliseconds' });
    await first.monitor.alerts.ensureRule(rule);
    h1.observe(100); h1.observe(100);
    await first.at(SECOND);
    expect((await storage.listRules())[0]).toMatchObject({ baselines: { '0\u0000': 100 } });
    await first.monitor.close();
    const second = setup({ storage }, clock);     // the deploy that changed the description
    await second.monitor.alerts.ensureRule({ ...rule, description: 'v2' });
    expect((await storage.listRules())[0]).toMatchObject({ description: 'v2', baselines: { '0\u0000': 100 } });
  });

  it('writes no pending records without shared evaluation (nothing would read or close them)', async () => {
    const f = fleet({ duration: '10m' }, { alerts: { sharedEvaluation: false } });
    const a = await f.start();
    await f.evaluate(0, a);
    await a.s.monitor.close();
    const b = await f.start(50);
    for (let t = 15 * SECOND; t <= 3 * HOUR; t += 15 * MINUTE) await f.evaluate(t, b);
    expect(await f.storage.queryAlerts({ status: 'pending' })).toEqual([]);
    expect(await f.storage.queryAlerts({})).toEqual([]);
    expect(b.s.monitor.alerts.getPendingAlerts()).toEqual([]);
  });

  it('passes over a stored record it cannot read (no `channels`) and keeps evaluating the rule', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const rule: AlertRuleInput & { id: string } = { id: 'q', name: 'Queue deep', metric: 'queue_depth', aggregation: 'last', condition: 'gt', threshold: 100, groupBy: ['queue'], cooldown: '1m' };
    const a = setup({ storage, notifiers: [recordingNotifier('slack')] }, clock);
    a.monitor.gauge({ name: 'queue_depth', labelNames: ['queue'] }).set(500, { queue: 'mail' });
    await a.monitor.alerts.ensureRule(rule);
    await a.monitor.alerts.evaluate();
    await a.monitor.close();
    const [rec] = await storage.queryAlerts({ status: 'firing' });
    await storage.saveAlert({ ...rec!, channels: undefined } as never);   // hostile / other-version record
    const b = setup({ storage, notifiers: [recordingNotifier('slack')] }, clock);
    const g = b.monitor.gauge({ name: 'queue_depth', labelNames: ['queue'] });
    g.set(500, { queue: 'mail' });
    await b.monitor.alerts.ensureRule(rule);
    await b.at(2 * MINUTE);
    g.set(500, { queue: 'jobs' });
    for (let t = 2 * MINUTE + 15 * SECOND; t <= 5 * MINUTE; t += 15 * SECOND) await b.at(t);
    expect(b.events.errors).toEqual([]);
    expect(b.monitor.alerts.getActiveAlerts().map((x) => x.labels.queue).sort()).toEqual(['jobs', 'mail']);
  });

  it('does not let a stored activeAt in the future (a skewed writer) postpone `for`', async () => {
    const f = fleet({ duration: '5m' });
    const a = await f.start();
    await f.evaluate(0, a);
    await a.s.monitor.close();
    const [p] = await f.storage.queryAlerts({ status: 'pending' });
    await f.storage.saveAlert({ ...p!, activeAt: T0 + 10 * HOUR, startsAt: T0 + 10 * HOUR } as never);
    const b = await f.start();
    for (let t = 15 * SECOND; t <= 2 * HOUR; t += 15 * SECOND) await f.evaluate(t, b);
    expect(b.s.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    expect(b.s.monitor.alerts.getActiveAlerts()[0]!.startsAt).toBeLessThanOrEqual(T0 + 15 * SECOND + 5 * MINUTE);
  });

  it('closes the duplicate episode of a healed partition without a resolved message', async () => {
    const clock = new ManualClock(T0);
    const mem = new MemoryStorage({ now: () => clock.now() });
    let down = false;
    const cut = new Set(['saveAlert', 'queryAlerts', 'tryAcquire', 'listRules']);
    const partB = new Proxy(mem, { get(t, p) { const v = (t as unknown as Record<PropertyKey, unknown>)[p]; if (down && cut.has(p as string)) return async () => { throw new Error('ECONNRESET'); }; return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(t) : v; } }) as unknown as StorageAdapter;
    const rule = { id: 'cpu-high', name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90, severity: 'critical' } as const;
    const sa = recordingNotifier('slack'), sb = recordingNotifier('slack');
    const a = setup({ storage: mem, notifiers: [sa] }, clock);
    const b = setup({ storage: partB, notifiers: [sb] }, clock);
    const ga = a.monitor.gauge({ name: 'cpu_usage_percent' }), gb = b.monitor.gauge({ name: 'cpu_usage_percent' });
    await a.monitor.alerts.ensureRule(rule); await b.monitor.alerts.ensureRule(rule);
    ga.set(50); gb.set(50);
    const tick = async (t: number) => { clock.set(T0 + t); await a.monitor.alerts.evaluate(); await b.monitor.alerts.evaluate(); await a.monitor.notifications.idle(); await b.monitor.notifications.idle(); };
    await tick(0);
    down = true;
    ga.set(95); gb.set(95);
    await tick(15 * SECOND);
    await tick(30 * SECOND);
    down = false;
    for (let t = 45 * SECOND; t <= 3 * MINUTE; t += 15 * SECOND) await tick(t);
    const all = [...sa.sent, ...sb.sent].map((n) => `${n.status}:${n.alert.id.slice(0, 4)}`);
    // The condition held throughout: no resolved message, one alert left firing, the same on both.
    expect(all.filter((s) => s.startsWith('resolved'))).toEqual([]);
    expect(await mem.queryAlerts({ status: 'firing' })).toHaveLength(1);
    expect(a.monitor.alerts.getActiveAlerts().map((r) => r.id)).toEqual(b.monitor.alerts.getActiveAlerts().map((r) => r.id));
  });

  it('forgets resolved alerts on a follower after resolvedRetention', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const a = setup({ storage }, clock);
    const b = setup({ storage }, clock);
    await a.monitor.alerts.evaluate(); // a leads
    for (let i = 0; i < 500; i++) {
      const r = await b.monitor.alerts.triggerAlert({ name: `job ${i} failed`, message: 'x', severity: 'info' });
      await b.monitor.alerts.resolve(r.id);
    }
    for (let t = 15 * SECOND; t <= 2 * HOUR; t += 15 * MINUTE) { clock.set(T0 + t); await a.monitor.alerts.evaluate(); await b.monitor.alerts.evaluate(); }
    const eng = b.monitor.alerts as unknown as { byId: Map<string, unknown>; states: { all(): unknown[] } };
    expect(eng.byId.size).toBe(0);
    expect(eng.states.all()).toEqual([]);
  });
});
