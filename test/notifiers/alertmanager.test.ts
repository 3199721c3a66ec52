import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/alerts/fingerprint.js';
import { alertmanagerNotifier } from '../../src/notifiers/alertmanager.js';
import { postableAlert } from '../../src/notifiers/alertmanager-payload.js';
import { makeNotification, notifierHarness } from '../helpers/notifier-fixtures.js';
import { startAlertmanager, type AlertmanagerProcess } from '../helpers/notifier-alertmanager.js';
import { startReceiver } from '../helpers/notifier-http-receiver.js';

const signal = new AbortController().signal;
let am: AlertmanagerProcess;

beforeAll(async () => {
  am = await startAlertmanager();
});
afterAll(async () => {
  await am?.stop();
});

// Alertmanager compares times with its own clock: these tests use real time, not a ManualClock.
const MINUTE = 60_000;

/** A firing notification of an alert with `alertname`, started a minute ago, valid for an hour. */
function firing(alertname: string, extra: Record<string, string> = {}) {
  const now = Date.now();
  const labels = { alertname, service: 'api', severity: 'warning', ...extra };
  return makeNotification({ validUntil: now + 60 * MINUTE, generatorURL: 'https://app.example.com/alerts/rule-1', alert: { labels, startsAt: now - MINUTE, updatedAt: now } }, now);
}

describe('alertmanagerNotifier against a real Alertmanager (v0.25)', () => {
  it('is a state channel', () => {
    expect(alertmanagerNotifier({ url: am.url })).toMatchObject({ name: 'alertmanager', delivery: 'state' });
  });

  it('posts a firing alert that Alertmanager lists as active, with our labels, times and fingerprint', async () => {
    const n = firing('PwFiring', { route: '/checkout' });
    await alertmanagerNotifier({ url: am.url }).send(n, { signal });
    const [alert] = await am.alerts({ filter: 'alertname="PwFiring"' });
    expect(alert).toBeDefined();
    expect(alert!.labels).toEqual(n.alert.labels);
    expect(alert!.annotations).toEqual(n.alert.annotations);
    expect(Date.parse(alert!.startsAt)).toBe(n.alert.startsAt);
    expect(Date.parse(alert!.endsAt)).toBe(n.validUntil);
    expect(alert!.generatorURL).toBe('https://app.example.com/alerts/rule-1');
    expect(alert!.status.state).toBe('active');
    // Same label set, same fingerprint, on both sides.
    expect(alert!.fingerprint).toBe(fingerprint(n.alert.labels));
    expect(alert!.fingerprint).toBe(n.alert.fingerprint);
  });

  it('resolves the alert when the resolved notification carries its endsAt', async () => {
    const notifier = alertmanagerNotifier({ url: am.url });
    const n = firing('PwResolves');
    await notifier.send(n, { signal });
    expect(await am.alerts({ filter: 'alertname="PwResolves"' })).toHaveLength(1);
    const endedAt = Date.now() - 1_000;
    await notifier.send(
      { ...n, id: `${n.id}:2`, status: 'resolved', reason: 'alert resolved', validUntil: undefined, alert: { ...n.alert, status: 'resolved', endsAt: endedAt } },
      { signal },
    );
    // A resolved alert is no longer returned by GET /api/v2/alerts (its endsAt has passed).
    expect(await am.alerts({ filter: 'alertname="PwResolves"' })).toEqual([]);
  });

  it('works through the dispatcher, and a re-post (state refresh) updates the same alert', async () => {
    const h = notifierHarness([alertmanagerNotifier({ url: `${am.url}/`, name: 'am' })]);
    const n = firing('PwRefresh');
    const sent = h.nextSent(2);
    h.monitor.notifications.dispatch(n, ['am']);
    h.monitor.notifications.dispatch({ ...n, id: `${n.id}:2`, reason: 'state refresh', validUntil: n.validUntil! + 10 * MINUTE }, ['am']);
    expect((await sent).map((e) => e.attempts)).toEqual([1, 1]);
    const alerts = await am.alerts({ filter: 'alertname="PwRefresh"' });
    expect(alerts).toHaveLength(1); // one alert, updated in place
    expect(Date.parse(alerts[0]!.endsAt)).toBe(n.validUntil! + 10 * MINUTE);
    await h.monitor.close();
  });

  it('gets a 400 (not retried) when Alertmanager rejects the alert', async () => {
    const n = firing('PwInvalid');
    // endsAt before startsAt is invalid for Alertmanager; build the body by hand to send it.
    const body = [{ ...postableAlert(n), endsAt: new Date(n.alert.startsAt - MINUTE).toISOString() }];
    const response = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    // Our notifier never builds that body: it clamps endsAt to startsAt.
    const resolvedEarly = { ...n, status: 'resolved' as const, alert: { ...n.alert, status: 'resolved' as const, endsAt: n.alert.startsAt - MINUTE } };
    expect(postableAlert(resolvedEarly).endsAt).toBe(new Date(n.alert.startsAt).toISOString());
  });

  it('reports a 400 from the API as not retryable, and keeps a path prefix', async () => {
    const receiver = await startReceiver();
    receiver.reply({ status: 400, body: '{"code":400,"message":"start time must be before end time"}' });
    try {
      const error = await alertmanagerNotifier({ url: `${receiver.url}/am/` })
        .send(firing('PwBad'), { signal })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400, retryable: false });
      expect(receiver.requests[0]!.path).toBe('/am/api/v2/alerts'); // a path prefix is kept
      expect(JSON.parse(receiver.requests[0]!.body)).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('postableAlert', () => {
  it('sends endsAt = validUntil for a firing alert and omits it without one', () => {
    const n = makeNotification({ validUntil: Date.UTC(2026, 0, 1, 0, 4) });
    expect(postableAlert(n)).toEqual({ labels: n.alert.labels, annotations: n.alert.annotations, startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-01-01T00:04:00.000Z' });
    expect(postableAlert(makeNotification())).not.toHaveProperty('endsAt');
  });

  it('drops empty-valued labels, as Alertmanager does', () => {
    expect(postableAlert(makeNotification({ alert: { labels: { alertname: 'A', empty: '' } } })).labels).toEqual({ alertname: 'A' });
  });
});
