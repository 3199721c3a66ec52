// What a firing alert shows while it stays firing, now that a tick does less for it: the parts of
// its message around the value are made once per condition (a changed rule brings new ones),
// its generated summary is rewritten in place, and the repeat and heartbeat checks run before
// anything is awaited. Each case here is read through the public API and the store.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { fleet } from './fleet-support.js';
import { SECOND, T0, recordingNotifier, setup } from './support.js';

describe('a firing alert refreshed tick after tick', () => {
  it('shows a changed threshold in its message and summary (the cached message parts belong to the old definition)', async () => {
    const s = setup();
    const gauge = s.monitor.gauge({ name: 'queue_depth' });
    await s.monitor.alerts.createRule({ id: 'deep', name: 'Deep queue', metric: 'queue_depth', aggregation: 'last', window: '1m', condition: 'gt', threshold: 10, description: 'work piles up' });
    gauge.set(70);
    await s.at(15 * SECOND);
    const [fired] = s.monitor.alerts.getActiveAlerts();
    expect(fired!.message).toBe('last of queue_depth = 70 (> 10 over 1m)');
    // Same identity (the threshold is not part of it): the alert keeps firing, with the new threshold in its text.
    await s.monitor.alerts.updateRule('deep', { threshold: 20 });
    await s.at(30 * SECOND);
    const [alert] = s.monitor.alerts.getActiveAlerts();
    expect(alert!.id).toBe(fired!.id);
    expect(alert!.message).toBe('last of queue_depth = 70 (> 20 over 1m)');
    expect(alert!.annotations).toEqual({ summary: 'Deep queue: last of queue_depth = 70 (> 20 over 1m)', description: 'work piles up' });
    // The summary keeps its place among the annotations.
    expect(Object.keys(alert!.annotations)).toEqual(['summary', 'description']);
    await s.monitor.close();
  });

  it('keeps each alert’s annotations its own: two alerts of one rule, and the records already sent and stored, do not change with the next value', async () => {
    const storage = new MemoryStorage();
    const slack = recordingNotifier('slack');
    const s = setup({ storage, notifiers: [slack] });
    const gauge = s.monitor.gauge({ name: 'queue_depth', labelNames: ['queue'] });
    await s.monitor.alerts.createRule({ id: 'deep', name: 'Deep queue', metric: 'queue_depth', aggregation: 'last', window: '1m', condition: 'gt', threshold: 10, groupBy: ['queue'] });
    gauge.labels({ queue: 'a' }).set(70);
    gauge.labels({ queue: 'b' }).set(80);
    await s.at(15 * SECOND);
    await s.monitor.notifications.idle();
    const stored = await storage.queryAlerts({ status: 'firing' });
    gauge.labels({ queue: 'a' }).set(71);
    gauge.labels({ queue: 'b' }).set(81);
    await s.at(30 * SECOND);
    const summaries = s.monitor.alerts.getActiveAlerts().map((a) => a.annotations.summary).sort();
    expect(summaries).toEqual(['Deep queue: last of queue_depth = 71 (> 10 over 1m)', 'Deep queue: last of queue_depth = 81 (> 10 over 1m)']);
    expect(slack.with('firing').map((n) => n.alert.annotations.summary).sort()).toEqual(['Deep queue: last of queue_depth = 70 (> 10 over 1m)', 'Deep queue: last of queue_depth = 80 (> 10 over 1m)']);
    expect(stored.map((r) => r.annotations.summary).sort()).toEqual(['Deep queue: last of queue_depth = 70 (> 10 over 1m)', 'Deep queue: last of queue_depth = 80 (> 10 over 1m)']);
    await s.monitor.close();
  });

  it('after a restart, refreshes the restored record’s message and summary at the first tick, and repeats after the cooldown only', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const rule = { id: 'deep', name: 'Deep queue', metric: 'queue_depth', aggregation: 'max', window: '1m', condition: 'gt', threshold: 10, cooldown: '1m' } as const;
    const first = setup({ storage, notifiers: [recordingNotifier('slack')] }, clock);
    first.monitor.gauge({ name: 'queue_depth' }).set(70);
    await first.monitor.alerts.ensureRule(rule);
    await first.at(15 * SECOND);
    const [fired] = first.monitor.alerts.getActiveAlerts();
    await first.monitor.close();

    const slack = recordingNotifier('slack');
    const second = setup({ storage, notifiers: [slack] }, clock);
    // The fleet's max over the window: the first instance's 70 is in the store too.
    second.monitor.gauge({ name: 'queue_depth' }).set(90);
    await second.monitor.alerts.ensureRule(rule);
    // The first instance took the lease for the 30 s tick before it stopped: the second evaluates from 45 s.
    await second.at(30 * SECOND);
    await second.at(45 * SECOND);
    await second.monitor.notifications.idle();
    const [restored] = second.monitor.alerts.getActiveAlerts();
    expect(restored!.id).toBe(fired!.id);
    expect(restored!.message).toBe('max of queue_depth = 90 (> 10 over 1m)');
    expect(restored!.annotations.summary).toBe(`Deep queue: ${restored!.message}`);
    // Notified at 15 s before the restart: no repeat until the cooldown (1 m) passed.
    expect(slack.sent).toHaveLength(0);
    await second.at(75 * SECOND);
    await second.monitor.notifications.idle();
    expect(slack.with('firing', 'repeat interval elapsed').map((n) => n.alert.message)).toEqual(['max of queue_depth = 90 (> 10 over 1m)']);
    await second.monitor.close();
  });

  it('writes a pending record again only once its heartbeat is due, on the evaluating instance', async () => {
    const f = fleet({ duration: '5m' }, { alerts: { outageTolerance: '2m' } });
    const a = await f.start();
    const b = await f.start();
    const updates: number[] = [];
    for (let t = 15; t <= 120; t += 15) {
      await f.evaluate(t * SECOND, a, b);
      const [pending] = await f.storage.queryAlerts({ status: 'pending' });
      updates.push((pending!.updatedAt - T0) / SECOND);
    }
    // Heartbeat: max(evaluationInterval, outageTolerance / 4) = 30 s.
    expect(updates).toEqual([15, 15, 45, 45, 75, 75, 105, 105]);
    await a.s.monitor.close();
    await b.s.monitor.close();
  });
});
