import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationError } from '../../src/core/errors.js';
import { toNotificationError } from '../../src/notifiers/attempt.js';
import { retryDelay } from '../../src/notifiers/channel.js';
import type { Notifier } from '../../src/notifiers/contract.js';
import { retryAfter } from '../../src/notifiers/http.js';
import { webhookNotifier } from '../../src/notifiers/webhook.js';
import type { ManualClock } from '../../src/testing/manual-clock.js';
import { makeNotification, notifierHarness, T0 } from '../helpers/notifier-fixtures.js';

/** One answer of the test server: a status and its headers. */
type Answer = { status: number; headers?: OutgoingHttpHeaders };

/** A real local HTTP server that answers each request with the next of `answers` (then 200). */
async function server(answers: Answer[]): Promise<{ url: string; server: Server }> {
  const s = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = answers.shift() ?? { status: 200 };
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.status === 200 ? '' : 'slow down');
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`, server: s };
}

let running: Server | undefined;
afterEach(async () => {
  running?.closeAllConnections();
  await new Promise<void>((resolve) => (running ? running.close(() => resolve()) : resolve()));
  running = undefined;
});

/** Wraps `notifier` so each send records the monitor clock's time when it starts. */
function timed(notifier: Notifier, clock: () => ManualClock, times: number[]): Notifier {
  return { ...notifier, send: (n, o) => (times.push(clock().now() - T0), notifier.send(n, o)) };
}

/**
 * Delivers one notification through a webhook to a server giving `answers`, and returns when
 * each attempt started (ms after T0 on the ManualClock). Backoff alone would retry after 100 ms.
 */
async function attemptTimes(answers: Answer[], advanceMs: number, maxDelay = 60_000): Promise<number[]> {
  const { url, server: s } = await server(answers);
  running = s;
  const times: number[] = [];
  let clock!: ManualClock;
  const h = notifierHarness([timed(webhookNotifier({ url, name: 'hook' }), () => clock, times)], {
    retries: 2,
    timeout: 120_000,
    backoff: { initialDelay: 100, factor: 1, jitter: 0, maxDelay },
  });
  clock = h.clock;
  const sent = h.nextSent();
  h.monitor.notifications.dispatch(makeNotification(), []);
  await h.clock.idle(); // the 429 came back over the socket
  expect(h.phase('hook')).toBe('backoff');
  await h.clock.advanceAsync(advanceMs);
  await sent;
  await h.monitor.close();
  return times;
}

describe('Retry-After on a real HTTP receiver', () => {
  it('waits the seconds a 429 asks for instead of the shorter backoff', async () => {
    expect(await attemptTimes([{ status: 429, headers: { 'retry-after': '5' } }], 10_000)).toEqual([0, 5_000]);
  });

  it('reads an HTTP date on a 503 against the response Date header', async () => {
    const date = { date: 'Wed, 21 Oct 2015 07:28:00 GMT', 'retry-after': 'Wed, 21 Oct 2015 07:28:07 GMT' };
    expect(await attemptTimes([{ status: 503, headers: date }], 10_000)).toEqual([0, 7_000]);
  });

  it('caps what the receiver asks for at backoff.maxDelay', async () => {
    expect(await attemptTimes([{ status: 429, headers: { 'retry-after': '3600' } }], 20_000, 8_000)).toEqual([0, 8_000]);
  });

  it('keeps the backoff on a 429 without Retry-After, and ignores Retry-After on a 500', async () => {
    expect(await attemptTimes([{ status: 429 }, { status: 500, headers: { 'retry-after': '30' } }], 1_000)).toEqual([0, 100, 200]);
  });
});

describe('retryAfter()', () => {
  const response = (status: number, headers: Record<string, string>) => ({ status, headers: new Headers(headers) });

  it('reads delay-seconds and HTTP dates on 429 and 503 only', () => {
    expect(retryAfter(response(429, { 'retry-after': '120' }))).toBe(120_000);
    expect(retryAfter(response(503, { 'retry-after': ' 3 ' }))).toBe(3_000);
    expect(retryAfter(response(503, { date: 'Sun, 06 Nov 1994 08:49:37 GMT', 'retry-after': 'Sun, 06 Nov 1994 08:50:37 GMT' }))).toBe(60_000);
    // RFC 850 and asctime, the obsolete forms a recipient must still read.
    expect(retryAfter(response(503, { date: 'Sun, 06 Nov 1994 08:49:37 GMT', 'retry-after': 'Sunday, 06-Nov-94 08:49:47 GMT' }))).toBe(10_000);
    expect(retryAfter(response(503, { date: 'Sun, 06 Nov 1994 08:49:37 GMT', 'retry-after': 'Sun Nov  6 08:49:57 1994' }))).toBe(20_000);
    expect(retryAfter(response(500, { 'retry-after': '120' }))).toBeUndefined();
    expect(retryAfter(response(408, { 'retry-after': '120' }))).toBeUndefined();
  });

  it('gives nothing for an absent, malformed, zero, negative or past value', () => {
    for (const value of ['', 'soon', '-5', '1.5', '0', '2099-01-01T00:00:00Z', 'Sun, 06 Nov 1994 08:49:37 GMT']) {
      expect(retryAfter(response(429, { date: 'Sun, 06 Nov 1994 08:49:37 GMT', 'retry-after': value })), value).toBeUndefined();
    }
    expect(retryAfter(response(429, {}))).toBeUndefined();
    // No Date header: an HTTP date in the past of this machine's wall clock.
    expect(retryAfter(response(429, { 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' }))).toBeUndefined();
  });
});

describe('retryDelay()', () => {
  const backoff = { initialDelay: 1_000, maxDelay: 10_000, factor: 2, jitter: 0 };

  it('is the backoff, or the longer wait the receiver asked for, never more than maxDelay', () => {
    expect(retryDelay(1, backoff, undefined)).toBe(1_000);
    expect(retryDelay(1, backoff, 500)).toBe(1_000);
    expect(retryDelay(1, backoff, 4_000)).toBe(4_000);
    expect(retryDelay(3, backoff, 2_000)).toBe(4_000);
    expect(retryDelay(1, backoff, 3_600_000)).toBe(10_000);
    expect(retryDelay(1, backoff, Infinity)).toBe(10_000);
  });

  it('ignores a value that is not a positive number (a custom notifier may put anything there)', () => {
    for (const bad of [NaN, -1, 0, '5000' as unknown as number]) expect(retryDelay(1, backoff, bad)).toBe(1_000);
  });

  it('survives the copy a channel makes of a notifier error', () => {
    const copy = toNotificationError('hook', new NotificationError('hook', 'HTTP 429', { status: 429, retryAfterMs: 5_000 }));
    expect(copy.retryAfterMs).toBe(5_000);
  });
});
