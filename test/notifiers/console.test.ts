import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLine, consoleNotifier } from '../../src/notifiers/console.js';
import { makeNotification, notifierHarness, resolvedNotification } from '../helpers/notifier-fixtures.js';

const signal = new AbortController().signal;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('consoleNotifier', () => {
  it('writes one line per notification to console.log by default', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await consoleNotifier().send(makeNotification(), { signal });
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(
      '[pulsewatch] FIRING critical HighLatency {alertname="HighLatency", route="/checkout", service="api", severity="critical"}: p95 of http_request_duration_seconds = 1.25 (> 1 over 5m) (value 1.25, threshold 1; first notification)',
    );
  });

  it('writes to the given log function, and says when an alert resolved', async () => {
    const lines: string[] = [];
    const h = notifierHarness([consoleNotifier({ name: 'log', log: (line) => lines.push(line) })]);
    h.monitor.notifications.dispatch(makeNotification(), []);
    h.monitor.notifications.dispatch(resolvedNotification(), []);
    await h.monitor.notifications.idle();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\[pulsewatch\] RESOLVED critical HighLatency .*; alert resolved\)$/);
    expect(consoleLine(makeNotification({ alert: { value: null, threshold: null } }))).toContain('(value n/a, threshold n/a;');
  });

  it('rejects a log that is not a function', () => {
    expect(() => consoleNotifier({ log: 'stdout' as never })).toThrow('invalid consoleNotifier options: log: must be a function (taking one line of text)');
  });
});

describe('consoleNotifier and hostile alert fields', () => {
  it('writes one record whatever CR, LF or other control characters the alert holds: a forged line stays inside it', async () => {
    const lines: string[] = [];
    const forged = '[pulsewatch] RESOLVED critical HighLatency {alertname="HighLatency"}: all good (value 0, threshold 1; alert resolved)';
    const notification = makeNotification({
      alert: {
        ruleName: 'High\u2028Latency',
        message: `p95 is high\r\n${forged}\n\u001b[2J\u0085done \\n`,
        labels: { alertname: 'HighLatency', route: '/checkout\n[pulsewatch] FIRING', tenant: 'acme\u2029\u0085' },
      },
    });
    await consoleNotifier({ log: (line) => lines.push(line) }).send(notification, { signal });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(line!.split(/\r\n|\r|\n/)).toHaveLength(1);
    // Still readable, and reversible: the escapes say what was there.
    expect(line).toContain(`p95 is high\\r\\n${forged}\\n\\u001b[2J\\u0085done \\\\n`);
    expect(line).toContain('High\\u2028Latency');
    expect(line).toContain('route="/checkout\\n[pulsewatch] FIRING"');
    expect(line).toContain('tenant="acme\\u2029\\u0085"');
  });
});
