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
