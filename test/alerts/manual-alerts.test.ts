import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError, isNotFoundError, type ManualAlertInput } from '../../src/index.js';
import { MINUTE, SECOND, T0, expectValidationError, recordingNotifier, setup } from './support.js';

const JOB_FAILED: ManualAlertInput = {
  name: 'Job Failed',
  message: 'Content generation job failed after 3 retries',
  severity: 'error',
  type: 'JOB_FAILURE',
  metadata: { jobId: 'content-generation', error: 'Timeout', attempts: 3, context: { queue: 'main' } },
};

describe('triggerAlert validation', () => {
  it.each([
    [{ message: 'no name' }, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'a', severity: 'fatal' }, 'severity'],
    [{ name: 'a', type: '' }, 'type'],
    [{ name: 'a', labels: { job: 1 } }, 'labels.job'],
    [{ name: 'a', annotations: { note: 1 } }, 'annotations.note'],
    [{ name: 'a', value: Number.NaN }, 'value'],
    [{ name: 'a', threshold: 'high' }, 'threshold'],
    [{ name: 'a', cooldown: 0 }, 'cooldown'],
    [{ name: 'a', cooldown: 'forever' }, 'cooldown'],
    [{ name: 'a', channels: [''] }, 'channels.0'],
    [{ name: 'a', recipients: [''] }, 'recipients.0'],
    [{ name: 'a', message: 7 }, 'message'],
  ] as [Record<string, unknown>, string][])('rejects %j with a ValidationError on "%s"', async (input, path) => {
    const { monitor, events } = setup();
    await expectValidationError(monitor.alerts.triggerAlert(input as ManualAlertInput), path);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.triggered).toEqual([]);
  });

  it('rejects a label name that is not a Prometheus label name', async () => {
    const { monitor } = setup();
    await expect(monitor.alerts.triggerAlert({ name: 'a', labels: { 'bad-name': 'x' } })).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects channel names no configured notifier has, as rules do', async () => {
    const { monitor } = setup({ notifiers: [recordingNotifier('slack')] });
    await expectValidationError(monitor.alerts.triggerAlert({ name: 'a', channels: ['pagerduty'] }), 'channels');
  });
});

describe('triggerAlert', () => {
  it('fires at once: a firing record, alertTriggered, active and stored', async () => {
    const { monitor, events, clock } = setup({ service: 'worker' });
    clock.advance(5 * SECOND);
    const alert = await monitor.alerts.triggerAlert(JOB_FAILED);
    expect(alert).toMatchObject({
      ruleId: 'manual',
      ruleName: 'Job Failed',
      status: 'firing',
      severity: 'error',
      type: 'JOB_FAILURE',
      message: 'Content generation job failed after 3 retries',
      labels: { alertname: 'Job Failed', severity: 'error', service: 'worker' },
      activeAt: T0 + 5 * SECOND,
      startsAt: T0 + 5 * SECOND,
      service: 'worker',
      value: null,
      threshold: null,
    });
    expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(events.triggered).toEqual([alert]);
    expect(monitor.alerts.getActiveAlerts()).toEqual([alert]);
    expect(await monitor.alerts.getAlertHistory()).toEqual([alert]);
  });

  it('turns seed 000\'s metadata into annotations: strings as they are, other values as JSON', async () => {
    const { monitor } = setup();
    const alert = await monitor.alerts.triggerAlert({ ...JOB_FAILED, annotations: { runbook_url: 'https://runbooks/jobs' } });
    expect(alert.annotations).toMatchObject({
      jobId: 'content-generation',
      error: 'Timeout',
      attempts: '3',
      context: '{"queue":"main"}',
      runbook_url: 'https://runbooks/jobs',
    });
  });

  it('takes seed 000\'s title as the name', async () => {
    const { monitor } = setup();
    await expect(monitor.alerts.triggerAlert({ title: 'Disk almost full', message: '95 %' })).resolves.toMatchObject({ ruleName: 'Disk almost full', labels: { alertname: 'Disk almost full' } });
  });

  it('updates an identical alert that is still firing instead of adding a second one', async () => {
    const { monitor, events, clock } = setup();
    const first = await monitor.alerts.triggerAlert({ ...JOB_FAILED, value: 1 });
    clock.advance(MINUTE);
    const second = await monitor.alerts.triggerAlert({ ...JOB_FAILED, message: 'failed again', value: 2 });
    expect(second).toMatchObject({ id: first.id, message: 'failed again', value: 2, startsAt: T0, updatedAt: T0 + MINUTE });
    expect(monitor.alerts.getActiveAlerts()).toEqual([second]);
    expect(events.triggered).toHaveLength(1);
    expect(await monitor.alerts.getAlertHistory()).toMatchObject([{ id: first.id, message: 'failed again' }]);
  });

  it('keeps alerts with other labels or names apart', async () => {
    const { monitor } = setup();
    await monitor.alerts.triggerAlert({ name: 'Job Failed', labels: { job: 'a' } });
    await monitor.alerts.triggerAlert({ name: 'Job Failed', labels: { job: 'b' } });
    await monitor.alerts.triggerAlert({ name: 'Job Stuck', labels: { job: 'a' } });
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(3);
  });

  it('sends a notification with reason "manual", and none for an identical trigger inside the cooldown', async () => {
    const slack = recordingNotifier('slack');
    const { monitor } = setup({ notifiers: [slack] });
    await monitor.alerts.triggerAlert(JOB_FAILED);
    await monitor.alerts.triggerAlert(JOB_FAILED);
    await monitor.notifications.idle();
    expect(slack.sent.map((n) => [n.status, n.reason])).toEqual([['firing', 'manual']]);
  });

  it('notifies again when an identical alert is triggered after its cooldown', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, clock } = setup({ notifiers: [slack] });
    await monitor.alerts.triggerAlert({ ...JOB_FAILED, cooldown: '10m' });
    await clock.advanceAsync(11 * MINUTE);
    await monitor.alerts.triggerAlert({ ...JOB_FAILED, cooldown: '10m' });
    await monitor.notifications.idle();
    expect(slack.with('firing')).toHaveLength(2);
  });

  it('sends to the channels it names only', async () => {
    const slack = recordingNotifier('slack');
    const email = recordingNotifier('email');
    const { monitor } = setup({ notifiers: [slack, email] });
    await monitor.alerts.triggerAlert({ ...JOB_FAILED, channels: ['email'], recipients: ['ops@example.com'] });
    await monitor.notifications.idle();
    expect(slack.sent).toEqual([]);
    expect(email.sent).toMatchObject([{ alert: { recipients: ['ops@example.com'], channels: ['email'] } }]);
  });

  it('stays firing across evaluations: no rule resolves it', async () => {
    const { monitor, clock } = setup();
    await monitor.alerts.triggerAlert(JOB_FAILED);
    await clock.advanceAsync(30 * MINUTE);
    await monitor.alerts.evaluate();
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
  });

  it('is listed in snapshot().alerts', async () => {
    const { monitor } = setup();
    const alert = await monitor.alerts.triggerAlert(JOB_FAILED);
    expect((await monitor.snapshot()).alerts).toEqual({ active: 1, items: [alert] });
  });
});

describe('resolve', () => {
  it('resolves a manual alert: endsAt, alertResolved, stored, no longer active', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, events, clock } = setup({ notifiers: [slack] });
    const alert = await monitor.alerts.triggerAlert(JOB_FAILED);
    clock.advance(2 * MINUTE);
    const done = await monitor.alerts.resolve(alert.id);
    expect(done).toMatchObject({ id: alert.id, status: 'resolved', endsAt: T0 + 2 * MINUTE, updatedAt: T0 + 2 * MINUTE });
    expect(events.resolved).toEqual([done]);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(await monitor.alerts.getAlertHistory({ status: 'resolved' })).toEqual([done]);
    await monitor.notifications.idle();
    expect(slack.sent.map((n) => [n.status, n.reason])).toEqual([
      ['firing', 'manual'],
      ['resolved', 'alert resolved'],
    ]);
  });

  it('starts a new alert with a new id when the same one is triggered after it resolved', async () => {
    const { monitor } = setup();
    const first = await monitor.alerts.triggerAlert(JOB_FAILED);
    await monitor.alerts.resolve(first.id);
    const second = await monitor.alerts.triggerAlert(JOB_FAILED);
    expect(second.id).not.toBe(first.id);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(monitor.alerts.getActiveAlerts()).toEqual([second]);
  });

  it('resolves a rule\'s alert by hand; it fires again (new id) if the condition still holds', async () => {
    const { monitor, events, at } = setup();
    monitor.gauge({ name: 'level' }).set(10);
    await monitor.alerts.createRule({ name: 'level high', metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5, duration: '1m' });
    await at(0);
    await at(MINUTE);
    const [alert] = monitor.alerts.getActiveAlerts();
    await monitor.alerts.resolve(alert!.id);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.resolved).toMatchObject([{ id: alert!.id, endsAt: T0 + MINUTE }]);
    await at(MINUTE + 15 * SECOND);
    expect(monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 + MINUTE + 15 * SECOND }]);
    await at(2 * MINUTE + 15 * SECOND);
    const again = monitor.alerts.getActiveAlerts();
    expect(again).toHaveLength(1);
    expect(again[0]!.id).not.toBe(alert!.id);
  });

  it('rejects unknown and already resolved ids with a NotFoundError', async () => {
    const { monitor } = setup();
    const unknown = await monitor.alerts.resolve('nope').catch((e: unknown) => e);
    expect(isNotFoundError(unknown)).toBe(true);
    expect(unknown).toMatchObject({ id: 'nope' });
    const alert = await monitor.alerts.triggerAlert(JOB_FAILED);
    await monitor.alerts.resolve(alert.id);
    await expect(monitor.alerts.resolve(alert.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('acknowledge', () => {
  it('sets acknowledgedBy and acknowledgedAt, emits alertAcknowledged and stores it', async () => {
    const { monitor, events, clock } = setup();
    const alert = await monitor.alerts.triggerAlert(JOB_FAILED);
    clock.advance(MINUTE);
    const acked = await monitor.alerts.acknowledge(alert.id, 'alice');
    expect(acked).toMatchObject({ id: alert.id, status: 'firing', acknowledgedBy: 'alice', acknowledgedAt: T0 + MINUTE, updatedAt: T0 + MINUTE });
    expect(events.acknowledged).toEqual([acked]);
    expect(monitor.alerts.getActiveAlerts()).toEqual([acked]);
    expect(await monitor.alerts.getAlertHistory()).toEqual([acked]);
  });

  it('keeps the first acknowledgement when acknowledged again, without a second event', async () => {
    const { monitor, events, clock } = setup();
    const alert = await monitor.alerts.triggerAlert(JOB_FAILED);
    await monitor.alerts.acknowledge(alert.id, 'alice');
    clock.advance(MINUTE);
    await expect(monitor.alerts.acknowledge(alert.id, 'bob')).resolves.toMatchObject({ acknowledgedBy: 'alice', acknowledgedAt: T0 });
    expect(events.acknowledged).toHaveLength(1);
  });

  it('acknowledges a rule\'s alert, which keeps firing', async () => {
    const { monitor, events } = setup();
    monitor.gauge({ name: 'level' }).set(10);
    await monitor.alerts.createRule({ name: 'level high', metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5 });
    await monitor.alerts.evaluate();
    const [alert] = monitor.alerts.getActiveAlerts();
    await monitor.alerts.acknowledge(alert!.id, 'ops');
    await monitor.alerts.evaluate();
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ id: alert!.id, acknowledgedBy: 'ops' }]);
    expect(events.acknowledged).toHaveLength(1);
  });

  it('rejects unknown and resolved ids with a NotFoundError', async () => {
    const { monitor, events } = setup();
    const error = await monitor.alerts.acknowledge('nope', 'alice').catch((e: unknown) => e);
    expect(isNotFoundError(error)).toBe(true);
    const alert = await monitor.alerts.triggerAlert(JOB_FAILED);
    await monitor.alerts.resolve(alert.id);
    await expect(monitor.alerts.acknowledge(alert.id, 'alice')).rejects.toBeInstanceOf(NotFoundError);
    expect(events.acknowledged).toEqual([]);
  });
});
