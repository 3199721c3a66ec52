/**
 * A rule firing and resolving, end to end: metrics -> rule engine -> dispatcher -> a real
 * Alertmanager (its own API lists our alert, then drops it once resolved), a webhook receiver
 * on a local HTTP server, and a Slack channel that answers 500 without holding up the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerNotifier, createMonitor, slackNotifier, webhookNotifier, type Monitor, type WebhookPayload } from '../../src/index.js';
import { fingerprint } from '../../src/alerts/fingerprint.js';
import { ManualClock } from '../../src/testing.js';
import { startAlertmanager, type AlertmanagerProcess } from '../helpers/notifier-alertmanager.js';
import { startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';
import { until } from '../helpers/notifier-fixtures.js';

const STEP = 15_000;

describe('a rule that fires and resolves, delivered to real receivers', () => {
  let am: AlertmanagerProcess;
  let hook: Receiver;
  let slack: Receiver;

  beforeAll(async () => {
    [am, hook, slack] = await Promise.all([startAlertmanager(), startReceiver(), startReceiver()]);
    slack.reply({ status: 500, body: 'internal error' });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([am?.stop(), hook?.close(), slack?.close()]);
  });

  /**
   * Waits until delivery is idle. The receivers answer over real sockets, in real time: wait
   * (polling, with until()'s deadline) until no channel is sending, then move the manual clock
   * a second so a retry the answer scheduled on it comes due; at most 60 such steps.
   */
  async function settle(clock: ManualClock, monitor: Monitor): Promise<void> {
    let idle = false;
    const done = monitor.notifications.idle().then(() => (idle = true));
    for (let i = 0; i < 60 && !idle; i++) {
      await until(() => idle || monitor.notifications.status().every((c) => c.phase !== 'sending'));
      if (!idle) await clock.advanceAsync(1_000);
    }
    await done;
  }

  /** Evaluates after each step until `until` holds (at most `max` steps). */
  async function stepUntil(clock: ManualClock, monitor: Monitor, until: () => boolean, max = 20): Promise<void> {
    for (let i = 0; i < max && !until(); i++) {
      await clock.advanceAsync(STEP);
      await monitor.alerts.evaluate();
      await settle(clock, monitor);
    }
  }

  it('posts to Alertmanager and the webhook once firing, resolves both, and a failing Slack blocks neither', async () => {
    // Alertmanager compares endsAt with its own wall clock: start the manual clock 3 minutes in
    // the past, so the firing alert's validUntil (fired + 4 m) is still ahead of real time and
    // its resolution (about 2 m later) is already behind it.
    const clock = new ManualClock(Date.now() - 180_000);
    const monitor = createMonitor({
      clock,
      service: 'checkout',
      notifiers: [
        alertmanagerNotifier({ name: 'am', url: am.url }),
        webhookNotifier({ name: 'hook', url: `${hook.url}/alerts?token=s3cret-token` }),
        slackNotifier({ name: 'slack', webhookUrl: `${slack.url}/services/T000/B000/XXXX` }),
      ],
      notifications: { retries: 1, backoff: { initialDelay: 1_000, maxDelay: 1_000, jitter: 0 } },
    });
    const latency = monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['route'], unit: 'seconds' });
    const errors: string[] = [];
    monitor.on('error', (e) => errors.push(e.message));
    const rule = await monitor.alerts.createRule({
      name: 'SlowCheckout',
      metric: 'http_request_duration_seconds',
      labels: { route: '/checkout' },
      aggregation: 'p95',
      window: '1m',
      condition: 'greater_than',
      threshold: 1,
      duration: '30s',
      severity: 'critical',
      groupBy: ['route'],
    });

    for (let i = 0; i < 50; i++) latency.observe(2.5, { route: '/checkout' });
    await clock.advanceAsync(STEP);
    await monitor.alerts.evaluate();
    expect(monitor.alerts.getPendingAlerts()).toHaveLength(1);
    expect(hook.requests).toHaveLength(0); // pending is never sent

    await stepUntil(clock, monitor, () => monitor.alerts.getActiveAlerts().length > 0);
    const [alert] = monitor.alerts.getActiveAlerts();
    expect(alert).toMatchObject({ ruleId: rule.id, status: 'firing', labels: { alertname: 'SlowCheckout', route: '/checkout', severity: 'critical', service: 'checkout' } });
    await hook.waitForRequests(1);

    const body = JSON.parse(hook.requests[0]!.body) as WebhookPayload;
    expect(body).toMatchObject({ version: '4', status: 'firing', notification_reason: 'first notification' });
    expect(body.alerts[0]).toMatchObject({ status: 'firing', labels: { alertname: 'SlowCheckout', route: '/checkout' }, fingerprint: alert!.fingerprint });

    const listed = await am.alerts({ filter: 'alertname="SlowCheckout"' });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ labels: alert!.labels, status: { state: 'active' } });
    // Alertmanager's fingerprint of the label set is ours.
    expect(listed[0]!.fingerprint).toBe(fingerprint(alert!.labels));
    expect(Date.parse(listed[0]!.startsAt)).toBe(alert!.startsAt);

    // Recovery: fast requests only; once the slow ones leave the 1 m window the alert resolves.
    await stepUntil(clock, monitor, () => {
      for (let i = 0; i < 50; i++) latency.observe(0.05, { route: '/checkout' });
      return monitor.alerts.getActiveAlerts().length === 0;
    });
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(0);
    await hook.waitForRequests(2);
    const resolved = JSON.parse(hook.requests[1]!.body) as WebhookPayload;
    // The webhook speaks Alertmanager's words for a group whose only alert resolved.
    expect(resolved).toMatchObject({ status: 'resolved', notification_reason: 'all alerts resolved' });
    expect(hook.requests).toHaveLength(2); // exactly one resolved message
    expect(await am.alerts({ filter: 'alertname="SlowCheckout"' })).toHaveLength(0);

    // Slack answered 500 every time: retried, dead-lettered, and the others were not held up.
    await clock.advanceAsync(5_000);
    await settle(clock, monitor);
    expect(slack.requests.length).toBeGreaterThanOrEqual(2);
    const letters = await monitor.notifications.listDeadLetters({ channel: 'slack' });
    expect(letters.length).toBeGreaterThanOrEqual(1);
    // The webhook token and the Slack path never show up in errors or dead letters.
    expect(JSON.stringify([errors, letters])).not.toMatch(/s3cret-token|B000\/XXXX/);

    const history = await monitor.alerts.getAlertHistory({ ruleId: rule.id });
    expect(history[0]).toMatchObject({ status: 'resolved', id: alert!.id });
    await monitor.close();
  }, 60_000);
});
