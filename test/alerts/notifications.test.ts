import { describe, expect, it } from 'vitest';
import { MemoryStorage, type AlertRuleInput, type Gauge, type MonitorOptions, type Severity } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { MINUTE, SECOND, T0, recordingNotifier, setup, type RecordingNotifier, type Setup } from './support.js';

/**
 * A monitor with the given notifiers, a `cpu_usage_percent` gauge at 95 and a rule firing on it
 * (`last > 90`). `high(false)` drops the gauge so the alert resolves at the next evaluation.
 */
async function firingSetup(notifiers: RecordingNotifier[], rule: Partial<AlertRuleInput> = {}, options: MonitorOptions = {}) {
  const s = setup({ ...options, notifiers });
  const gauge = s.monitor.gauge({ name: 'cpu_usage_percent' });
  gauge.set(95);
  const created = await s.monitor.alerts.createRule({ name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90, ...rule });
  const high = (on: boolean): void => gauge.set(on ? 95 : 50);
  /** Evaluates at T0 + offset and waits until every notification queued so far was delivered. */
  const at = async (offset: number): Promise<void> => {
    await s.at(offset);
    await s.monitor.notifications.idle();
  };
  return { ...s, rule: created, high, at };
}

const firing = (n: RecordingNotifier) => n.with('firing');
const resolved = (n: RecordingNotifier) => n.with('resolved');

describe('human channels: firing', () => {
  it('sends one firing notification with reason "first notification" when an alert fires', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, at } = await firingSetup([slack]);
    await at(0);
    const [alert] = monitor.alerts.getActiveAlerts();
    expect(slack.sent).toHaveLength(1);
    expect(slack.sent[0]).toMatchObject({ status: 'firing', reason: 'first notification', service: 'app', createdAt: T0 });
    expect(slack.sent[0]!.alert).toEqual(alert);
    expect(slack.sent[0]!.id.startsWith(alert!.id)).toBe(true);
  });

  it('sends nothing while the alert is pending, and the first notification when it fires', async () => {
    const slack = recordingNotifier('slack');
    const { at } = await firingSetup([slack], { duration: '2m' });
    await at(0);
    await at(MINUTE + 45 * SECOND);
    expect(slack.sent).toEqual([]);
    await at(2 * MINUTE);
    expect(slack.sent).toMatchObject([{ status: 'firing', reason: 'first notification', alert: { activeAt: T0, startsAt: T0 + 2 * MINUTE } }]);
  });

  it('sends nothing for a pending alert that clears', async () => {
    const slack = recordingNotifier('slack');
    const { high, at } = await firingSetup([slack], { duration: '2m' });
    await at(0);
    high(false);
    await at(MINUTE);
    await at(10 * MINUTE);
    expect(slack.sent).toEqual([]);
  });

  it('gives every notification its own id', async () => {
    const slack = recordingNotifier('slack');
    const { at } = await firingSetup([slack], { cooldown: '1m' });
    for (let t = 0; t <= 5 * MINUTE; t += MINUTE) await at(t);
    const ids = slack.sent.map((n) => n.id);
    expect(ids.length).toBeGreaterThan(3);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends a copy of the alert as it was: later changes do not show in earlier notifications', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, at } = await firingSetup([slack], { cooldown: '1m' });
    await at(0);
    (monitor.getMetric('cpu_usage_percent') as Gauge).set(99);
    await at(MINUTE);
    expect(slack.sent.map((n) => n.alert.value)).toEqual([95, 99]);
  });

  it('links back to the rule with generatorURL when externalURL is set', async () => {
    const slack = recordingNotifier('slack');
    const { rule, at } = await firingSetup([slack], {}, { alerts: { externalURL: 'https://status.example.com/' } });
    await at(0);
    expect(slack.sent[0]!.generatorURL).toBe(`https://status.example.com/alerts/${encodeURIComponent(rule.id)}`);
  });
});

describe('human channels: cooldown (repeat interval)', () => {
  it.each([
    ['critical', 5 * MINUTE],
    ['error', 15 * MINUTE],
    ['warning', 30 * MINUTE],
    ['info', 60 * MINUTE],
  ] as const)('repeats a %s alert only once its default cooldown (%d ms) has passed', async (severity: Severity, cooldown: number) => {
    const slack = recordingNotifier('slack');
    // Evaluating once a minute keeps long cooldowns quick to walk through.
    const { at } = await firingSetup([slack], { severity }, { alerts: { evaluationInterval: '1m' } });
    await at(0);
    await at(cooldown - MINUTE);
    expect(firing(slack).map((n) => n.reason)).toEqual(['first notification']);
    await at(cooldown);
    expect(firing(slack).map((n) => [n.reason, n.createdAt])).toEqual([
      ['first notification', T0],
      ['repeat interval elapsed', T0 + cooldown],
    ]);
    await at(2 * cooldown - MINUTE);
    expect(firing(slack)).toHaveLength(2);
    await at(2 * cooldown);
    expect(firing(slack)).toHaveLength(3);
  });

  it('uses the rule\'s cooldown over the severity default', async () => {
    const slack = recordingNotifier('slack');
    const { at } = await firingSetup([slack], { severity: 'critical', cooldown: '10m' }, { alerts: { evaluationInterval: '1m' } });
    await at(0);
    await at(9 * MINUTE);
    expect(firing(slack)).toHaveLength(1);
    await at(10 * MINUTE);
    expect(firing(slack)).toHaveLength(2);
  });

  it('reads cooldownPeriod in seconds (seed 003)', async () => {
    const slack = recordingNotifier('slack');
    const { at } = await firingSetup([slack], { cooldownPeriod: 120 });
    await at(0);
    await at(2 * MINUTE - 15 * SECOND);
    expect(firing(slack)).toHaveLength(1);
    await at(2 * MINUTE);
    expect(firing(slack).map((n) => n.reason)).toEqual(['first notification', 'repeat interval elapsed']);
  });

  it('lets cooldown win over cooldownPeriod when both are set', async () => {
    const slack = recordingNotifier('slack');
    const { at } = await firingSetup([slack], { cooldown: '1m', cooldownPeriod: 3600 });
    await at(0);
    await at(MINUTE);
    expect(firing(slack)).toHaveLength(2);
  });

  it('uses the monitor\'s cooldowns option for rules that set none', async () => {
    const slack = recordingNotifier('slack');
    const { at } = await firingSetup([slack], { severity: 'warning' }, { alerts: { cooldowns: { warning: '2m' } } });
    await at(0);
    await at(2 * MINUTE);
    expect(firing(slack)).toHaveLength(2);
  });

  it('sends no repeats once the alert is acknowledged, and still the resolved notification', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, high, at } = await firingSetup([slack], { severity: 'critical' });
    await at(0);
    const [alert] = monitor.alerts.getActiveAlerts();
    await monitor.alerts.acknowledge(alert!.id, 'alice');
    await at(20 * MINUTE);
    expect(firing(slack)).toHaveLength(1);
    high(false);
    await at(20 * MINUTE + 15 * SECOND);
    expect(resolved(slack)).toMatchObject([{ reason: 'alert resolved', alert: { acknowledgedBy: 'alice', status: 'resolved' } }]);
  });

  it('does not notify again when an alert flaps inside its cooldown, nor send a resolution for the silent episode', async () => {
    const slack = recordingNotifier('slack');
    const { events, high, at } = await firingSetup([slack], { severity: 'warning' });
    await at(0);
    high(false);
    await at(15 * SECOND);
    high(true);
    await at(30 * SECOND);
    high(false);
    await at(45 * SECOND);
    expect(events.triggered).toHaveLength(2);
    expect(events.resolved).toHaveLength(2);
    expect(slack.sent.map((n) => [n.status, n.reason])).toEqual([
      ['firing', 'first notification'],
      ['resolved', 'alert resolved'],
    ]);
  });
});

describe('human channels: resolved', () => {
  it('sends exactly one "alert resolved" per channel, carrying endsAt', async () => {
    const slack = recordingNotifier('slack');
    const email = recordingNotifier('email');
    const { high, at } = await firingSetup([slack, email]);
    await at(0);
    high(false);
    await at(15 * SECOND);
    await at(30 * MINUTE);
    for (const channel of [slack, email]) {
      expect(resolved(channel)).toHaveLength(1);
      expect(resolved(channel)[0]).toMatchObject({ status: 'resolved', reason: 'alert resolved', alert: { status: 'resolved', endsAt: T0 + 15 * SECOND } });
      expect(channel.sent.at(-1)!.status).toBe('resolved');
    }
  });

  it('sends the resolution after keepFiringFor has run out, not when the condition first clears', async () => {
    const slack = recordingNotifier('slack');
    const { high, at } = await firingSetup([slack], { keepFiringFor: '2m' });
    await at(0);
    high(false);
    await at(MINUTE);
    expect(resolved(slack)).toEqual([]);
    await at(2 * MINUTE + 15 * SECOND);
    expect(resolved(slack)).toHaveLength(1);
  });

  it('sends one resolution when a rule is deleted while firing', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, rule, at } = await firingSetup([slack]);
    await at(0);
    await monitor.alerts.deleteRule(rule.id);
    await at(MINUTE);
    expect(resolved(slack)).toHaveLength(1);
  });

  it('sends no resolution when the firing notification was never sent (another instance holds the lease)', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const slackA = recordingNotifier('slack');
    const slackB = recordingNotifier('slack');
    // Every instance evaluates on its own (shared evaluation: shared-evaluation.test.ts).
    const a = setup({ storage, notifiers: [slackA], alerts: { evaluationInterval: '1h', sharedEvaluation: false } }, clock);
    const b = setup({ storage, notifiers: [slackB], alerts: { evaluationInterval: '1h', sharedEvaluation: false } }, clock);
    const gauges = [a, b].map((s) => s.monitor.gauge({ name: 'cpu_usage_percent' }));
    for (const g of gauges) g.set(95);
    await a.monitor.alerts.createRule({ name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', condition: 'gt', threshold: 90 });
    await a.monitor.alerts.evaluate();
    await b.monitor.alerts.evaluate();
    await a.monitor.notifications.idle();
    await b.monitor.notifications.idle();
    expect(b.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    expect(slackA.with('firing')).toHaveLength(1);
    expect(slackB.sent).toEqual([]);
    // Only b sees the condition clear.
    gauges[1]!.set(50);
    clock.set(T0 + 15 * SECOND);
    await b.monitor.alerts.evaluate();
    await b.monitor.notifications.idle();
    expect(b.events.resolved).toHaveLength(1);
    expect(slackB.sent).toEqual([]);
  });
});

describe('state channels (delivery: "state")', () => {
  it('posts a firing alert when it fires and re-posts it every resendDelay with validUntil', async () => {
    const am = recordingNotifier('alertmanager', 'state');
    const slack = recordingNotifier('slack');
    const { at } = await firingSetup([slack, am]);
    for (let t = 0; t <= 5 * MINUTE; t += 15 * SECOND) await at(t);
    const posts = firing(am);
    expect(posts.map((n) => n.createdAt)).toEqual([0, 1, 2, 3, 4, 5].map((m) => T0 + m * MINUTE));
    expect(posts.map((n) => n.reason)).toEqual(['first notification', 'state refresh', 'state refresh', 'state refresh', 'state refresh', 'state refresh']);
    // validUntil = ts + 4 x max(evaluationInterval 15 s, resendDelay 1 m).
    for (const n of posts) expect(n.validUntil).toBe(n.createdAt + 4 * MINUTE);
    // The human channel got the first notification only.
    expect(slack.sent).toHaveLength(1);
  });

  it('re-posts at the configured resendDelay', async () => {
    const am = recordingNotifier('alertmanager', 'state');
    const { at } = await firingSetup([am], {}, { alerts: { resendDelay: '30s', evaluationInterval: '10s' } });
    for (let t = 0; t <= 2 * MINUTE; t += 10 * SECOND) await at(t);
    expect(firing(am).map((n) => n.createdAt - T0)).toEqual([0, 30, 60, 90, 120].map((sec) => sec * SECOND));
    for (const n of firing(am)) expect(n.validUntil).toBe(n.createdAt + 4 * 30 * SECOND);
  });

  it('posts the resolution at once and re-posts it every resendDelay until resolvedRetention passes', async () => {
    const am = recordingNotifier('alertmanager', 'state');
    const { high, at } = await firingSetup([am]);
    await at(0);
    high(false);
    const R = 15 * SECOND;
    for (let t = 15 * SECOND; t <= R + 25 * MINUTE; t += 15 * SECOND) await at(t);
    const posts = resolved(am);
    expect(posts[0]).toMatchObject({ reason: 'alert resolved', createdAt: T0 + R, alert: { status: 'resolved', endsAt: T0 + R } });
    expect(posts[0]!.validUntil).toBeUndefined();
    const times = posts.map((n) => n.createdAt - T0 - R);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(MINUTE);
    expect(posts.slice(1).every((n) => n.reason === 'state refresh' && n.alert.status === 'resolved')).toBe(true);
    expect(times.at(-1)).toBeGreaterThanOrEqual(14 * MINUTE);
    expect(times.at(-1)).toBeLessThanOrEqual(15 * MINUTE);
  });

  it('keeps re-posting an acknowledged alert', async () => {
    const am = recordingNotifier('alertmanager', 'state');
    const { monitor, at } = await firingSetup([am]);
    await at(0);
    await monitor.alerts.acknowledge(monitor.alerts.getActiveAlerts()[0]!.id, 'bob');
    for (let t = 15 * SECOND; t <= 3 * MINUTE; t += 15 * SECOND) await at(t);
    expect(firing(am)).toHaveLength(4);
    expect(firing(am).at(-1)!.alert.acknowledgedBy).toBe('bob');
  });
});

describe('channels of a rule', () => {
  it('sends only to the channels a rule names', async () => {
    const slack = recordingNotifier('slack');
    const pager = recordingNotifier('pager');
    const am = recordingNotifier('alertmanager', 'state');
    const { high, at } = await firingSetup([slack, pager, am], { channels: ['pager'] });
    await at(0);
    high(false);
    await at(15 * SECOND);
    expect(slack.sent).toEqual([]);
    expect(am.sent).toEqual([]);
    expect(pager.sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(pager.sent[0]!.alert.channels).toEqual(['pager']);
  });

  it('sends to a named state channel only', async () => {
    const slack = recordingNotifier('slack');
    const am = recordingNotifier('alertmanager', 'state');
    const { at } = await firingSetup([slack, am], { channels: ['alertmanager'] });
    await at(0);
    expect(slack.sent).toEqual([]);
    expect(am.sent).toHaveLength(1);
  });

  it('sends to every channel when a rule names none', async () => {
    const slack = recordingNotifier('slack');
    const email = recordingNotifier('email');
    const { at } = await firingSetup([slack, email]);
    await at(0);
    expect(slack.sent).toHaveLength(1);
    expect(email.sent).toHaveLength(1);
  });

  it('keeps evaluating when a channel fails', async () => {
    const broken: RecordingNotifier = { ...recordingNotifier('broken'), send: async () => Promise.reject(new Error('receiver down')) };
    const slack = recordingNotifier('slack');
    const { monitor, events, high, at } = await firingSetup([broken, slack], {}, { notifications: { retries: 0 } });
    await at(0);
    high(false);
    await expect(monitor.alerts.evaluate()).resolves.toBeDefined();
    await at(15 * SECOND);
    expect(events.resolved).toHaveLength(1);
    expect(slack.sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
  });
});

describe('instances sharing a store, each evaluating on its own (sharedEvaluation: false)', () => {
  /** Two monitors on one MemoryStorage and one clock, both seeing CPU at 95; evaluations only when asked. */
  async function twoInstances(rule: Partial<AlertRuleInput> = {}) {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const slackA = recordingNotifier('slack');
    const slackB = recordingNotifier('slack');
    const options = { storage, alerts: { evaluationInterval: '1h', sharedEvaluation: false } } as const;
    const a = setup({ ...options, notifiers: [slackA] }, clock);
    const b = setup({ ...options, notifiers: [slackB] }, clock);
    const gauges = [a, b].map((s) => s.monitor.gauge({ name: 'cpu_usage_percent' }));
    for (const g of gauges) g.set(95);
    await a.monitor.alerts.createRule({ name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90, severity: 'warning', ...rule });
    const high = (on: boolean): void => {
      for (const g of gauges) g.set(on ? 95 : 50);
    };
    /** Moves to T0 + offset and evaluates the monitors in the order given. */
    const evaluate = async (offset: number, ...order: Setup[]): Promise<void> => {
      clock.set(T0 + offset);
      for (const s of order) await s.monitor.alerts.evaluate();
      for (const s of order) await s.monitor.notifications.idle();
    };
    const all = (status: 'firing' | 'resolved') => [...slackA.with(status), ...slackB.with(status)];
    return { clock, storage, a, b, slackA, slackB, high, evaluate, all };
  }

  it('send one firing notification per cooldown between them', async () => {
    const { a, b, evaluate, all } = await twoInstances();
    await evaluate(0, a, b);
    expect(a.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    expect(b.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    expect(all('firing')).toHaveLength(1);
    await evaluate(15 * MINUTE, b, a);
    await evaluate(30 * MINUTE - 1, a, b);
    expect(all('firing')).toHaveLength(1);
    await evaluate(30 * MINUTE, b, a);
    expect(all('firing')).toHaveLength(2);
    await evaluate(45 * MINUTE, a, b);
    await evaluate(60 * MINUTE, a, b);
    expect(all('firing')).toHaveLength(3);
  });

  it('send one firing notification between them on the evaluation timer too', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const slackA = recordingNotifier('slack');
    const slackB = recordingNotifier('slack');
    const a = setup({ storage, notifiers: [slackA] }, clock);
    const b = setup({ storage, notifiers: [slackB] }, clock);
    for (const s of [a, b]) s.monitor.gauge({ name: 'cpu_usage_percent' }).set(95);
    await a.monitor.alerts.createRule({ name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90, cooldown: '10m' });
    await clock.advanceAsync(35 * MINUTE);
    await a.monitor.notifications.idle();
    await b.monitor.notifications.idle();
    // Fired within the first 30 s (b learns the rule at its first sync); repeats at +10, +20, +30 m.
    expect(slackA.with('firing').length + slackB.with('firing').length).toBe(4);
  });

  it('send one resolved notification between them, whichever instance sent the firing ones', async () => {
    const { a, b, high, evaluate, all } = await twoInstances();
    await evaluate(0, a, b);
    // b wins the repeat.
    await evaluate(30 * MINUTE, b, a);
    expect(all('firing')).toHaveLength(2);
    high(false);
    await evaluate(31 * MINUTE, a, b);
    expect(a.events.resolved).toHaveLength(1);
    expect(b.events.resolved).toHaveLength(1);
    expect(all('resolved')).toHaveLength(1);
  });

  it('both post to state channels: Alertmanager deduplicates by labels', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const amA = recordingNotifier('am', 'state');
    const amB = recordingNotifier('am', 'state');
    const a = setup({ storage, notifiers: [amA], alerts: { evaluationInterval: '1h', sharedEvaluation: false } }, clock);
    const b = setup({ storage, notifiers: [amB], alerts: { evaluationInterval: '1h', sharedEvaluation: false } }, clock);
    for (const s of [a, b]) s.monitor.gauge({ name: 'cpu_usage_percent' }).set(95);
    await a.monitor.alerts.createRule({ name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', condition: 'gt', threshold: 90 });
    await a.monitor.alerts.evaluate();
    await b.monitor.alerts.evaluate();
    await a.monitor.notifications.idle();
    await b.monitor.notifications.idle();
    expect(amA.sent).toHaveLength(1);
    expect(amB.sent).toHaveLength(1);
    expect(amA.sent[0]!.alert.fingerprint).toBe(amB.sent[0]!.alert.fingerprint);
  });
});
