/**
 * What a worker sends its primary is input like any other: a real MessageChannel stands in for
 * the IPC channel, and the test plays a worker that sends whatever it likes. Nothing it sends
 * throws in the primary, holds a scrape past its timeout, or goes uncounted.
 */
import { once } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type PulsewatchError, type Rollup } from '../../src/index.js';
import { attachWorkers, type AttachWorkersOptions } from '../../src/node.js';
import { ManualClock } from '../../src/testing.js';
import { PROTOCOL } from '../../src/cluster/protocol.js';
import { valueOf } from '../metrics/exposition/parse-exposition.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 10);

/** An envelope as a worker would send it, with any body. */
const envelope = (body: unknown): { pulsewatch: string; body: string } => ({ pulsewatch: PROTOCOL, body: typeof body === 'string' ? body : JSON.stringify(body) });

let monitor: Monitor | undefined;
const ports: MessagePort[] = [];

afterEach(async () => {
  for (const p of ports.splice(0)) p.close();
  await monitor?.close();
  monitor = undefined;
});

/** A primary with one attached port; `worker` is the test's end, already said hello. */
async function setup(options: AttachWorkersOptions = {}) {
  const clock = new ManualClock(NOW);
  monitor = createMonitor({ clock, service: 'hostile' });
  monitor.histogram({ name: 'job_seconds', help: 'Job latency', unit: 'seconds' }).observe(0.5);
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  const workers = attachWorkers(monitor, { cluster: false, ...options });
  const { port1: primaryEnd, port2: worker } = new MessageChannel();
  ports.push(primaryEnd, worker);
  expect(workers.add(primaryEnd)).toBe(true);
  /** Sends from the worker's end; resolves once the primary has handled it (it listens first). */
  const post = async (message: unknown): Promise<void> => {
    const handled = once(primaryEnd, 'message');
    worker.postMessage(message);
    await handled;
  };
  // Every request the primary sends the worker, in order (a port may deliver several at once).
  const inbox: { t: string; c: string; id: number }[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m: { body: string }) => {
    const body = JSON.parse(m.body) as { t: string; c: string; id: number };
    if (body.t === 'probe') return;
    inbox.push(body);
    wake?.();
  });
  /** The next request the primary sends the worker. */
  const nextRequest = async (): Promise<{ t: string; c: string; id: number }> => {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return inbox.shift()!;
  };
  await post(envelope({ t: 'hello', instanceId: 'hostile-1' }));
  expect(workers.reporting).toBe(1);
  const misses = (op: string, reason: string): number => {
    const counter = monitor!.getMetric('pulsewatch_cluster_misses_total');
    return counter?.kind === 'counter' ? counter.get({ op, reason }) : NaN;
  };
  return { clock, workers, worker, post, nextRequest, errors, misses, monitor };
}

/** Scrapes while the worker answers the collect with `answer(request)`. */
async function scrapeAnswering(s: Awaited<ReturnType<typeof setup>>, answer: (r: { c: string; id: number }) => unknown): Promise<string> {
  const scrape = s.workers.exportPrometheusMetrics();
  const request = await s.nextRequest();
  expect(request.t).toBe('collect');
  await s.post(envelope(answer(request)));
  return scrape;
}

const state = (r: { c: string; id: number }, families: unknown) => ({ t: 'state', c: r.c, id: r.id, families });
const counter = (name: string, series: unknown[]) => ({ name, kind: 'counter', help: '', series });

describe('states a worker sends', () => {
  it('merges a valid one, and leaves out (counted, reported) one with NaN, a bad label name, bad bucket counts or too many series', async () => {
    const s = await setup({ maxSeries: 3 });
    const good = await scrapeAnswering(s, (r) => state(r, [counter('orders_total', [{ labels: { shop: 'a' }, value: 2 }])]));
    expect(valueOf(good, 'orders_total', { shop: 'a' })).toBe(2);

    const bad = [
      [counter('orders_total', [{ labels: { shop: 'a' }, value: { $num: 'NaN' } }])],
      [counter('orders_total', [{ labels: { 'bad-name': 'a' }, value: 1 }])],
      [{ name: 'h_seconds', kind: 'histogram', help: '', buckets: [1, 2], series: [{ labels: {}, counts: [1, 2], sum: 1, count: 3 }] }],
      [{ name: 'h_seconds', kind: 'histogram', help: '', buckets: [1, 2], series: [{ labels: {}, counts: [1, -2, 0], sum: 1, count: 3 }] }],
      [counter('orders_total', [1, 2, 3, 4].map((i) => ({ labels: { shop: String(i) }, value: 1 })))],
      'not a list',
    ];
    for (const families of bad) {
      const text = await scrapeAnswering(s, (r) => state(r, families));
      // The last valid state stands in for it: the counter does not drop.
      expect(valueOf(text, 'orders_total', { shop: 'a' })).toBe(2);
    }
    expect(s.misses('collect', 'invalid')).toBe(4);
    expect(s.misses('collect', 'limit')).toBe(2);
    expect(s.errors.map((e) => e.code)).toEqual([...Array(4).fill('ERR_PULSEWATCH_VALIDATION'), 'ERR_PULSEWATCH_LIMIT', 'ERR_PULSEWATCH_LIMIT']);
    expect(s.errors[2]!.message).toContain('h_seconds: every series has one count per bucket and one for +Inf');
  });

  it('drops a message past maxMessageBytes unread; the scrape ends at its timeout', async () => {
    const s = await setup({ maxMessageBytes: 1_000 });
    const scrape = s.workers.exportPrometheusMetrics();
    const r = await s.nextRequest();
    await s.post(envelope(state(r, [counter('big_total', [{ labels: { x: 'y'.repeat(2_000) }, value: 1 }])])));
    expect(s.misses('message', 'too_large')).toBe(1);
    s.clock.advance(s.workers.options.timeout);
    const text = await scrape;
    expect(text).toContain('job_seconds_count 1\n');
    expect(text).not.toContain('big_total');
    expect(s.misses('collect', 'timeout')).toBe(1);
  });

  it('ignores the application\'s own messages and counts envelopes that are not messages', async () => {
    const s = await setup();
    await s.post({ hello: 'from the app' });
    await s.post('a string');
    await s.post({ pulsewatch: 'another/9', body: '{}' });
    expect(s.misses('message', 'invalid')).toBe(0);
    await s.post(envelope('{not json'));
    await s.post(envelope({ t: 'nonsense' }));
    await s.post({ pulsewatch: PROTOCOL, body: 42 });
    expect(s.misses('message', 'invalid')).toBe(3);
    expect(s.errors).toHaveLength(3);
  });

  it('leaves out a family that does not match the primary\'s (reported once, counted every scrape)', async () => {
    const s = await setup();
    const clash = (r: { c: string; id: number }) => state(r, [counter('job_seconds', [{ labels: {}, value: 5 }])]);
    await scrapeAnswering(s, clash);
    const text = await scrapeAnswering(s, clash);
    expect(text).toContain('# TYPE job_seconds histogram');
    expect(text).not.toContain('job_seconds 5');
    expect(s.misses('merge', 'conflict')).toBe(2);
    expect(s.errors).toHaveLength(1);
  });
});

describe('storage calls a worker sends', () => {
  const rollup = (name: string, start: number): Rollup => ({ name, kind: 'counter', labels: { shop: 'a' }, start, end: start + 30_000, count: 1, sum: 1, min: 1, max: 1, last: 1, instance: 'w1' });

  async function call(s: Awaited<ReturnType<typeof setup>>, op: string, args: unknown): Promise<Record<string, unknown>> {
    const answered = s.nextRequest();
    s.worker.postMessage(envelope({ t: 'call', c: 'tester', id: 7, op, args }));
    return (await answered) as unknown as Record<string, unknown>;
  }

  it('writes the valid rollups of a batch and names the others, as an adapter would', async () => {
    const s = await setup();
    const start = NOW - 60_000;
    const answer = await call(s, 'writeRollups', [[rollup('orders_total', start), { ...rollup('bad name', start) }, rollup('orders_total', start + 30_000), 'junk']]);
    expect(answer).toMatchObject({ t: 'result', c: 'tester', id: 7, ok: false, error: { permanent: true, rejected: [1, 3] } });
    const stored = await s.monitor.storage.queryRollups({ name: 'orders_total' });
    expect(stored.map((r) => r.start)).toEqual([start, start + 30_000]);
  });

  it('refuses an unknown call, bad arguments and a write past maxRollupsPerMessage, permanently', async () => {
    const s = await setup({ maxRollupsPerMessage: 2 });
    for (const [op, args] of [
      ['close', []],
      ['__proto__', []],
      ['tryAcquire', ['key']],
      ['writeRollups', [[1, 2, 3]]],
    ] as const) {
      const answer = await call(s, op, args);
      expect(answer, op).toMatchObject({ ok: false, error: { permanent: true } });
    }
    expect(await call(s, 'tryAcquire', ['key', 1_000])).toMatchObject({ ok: true, value: true });
  });
});

describe('bounds', () => {
  it('attaches at most maxWorkers workers', async () => {
    const s = await setup({ maxWorkers: 1 });
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    expect(s.workers.add(port1)).toBe(false);
    expect(s.workers.size).toBe(1);
    expect(s.misses('attach', 'limit')).toBe(1);
    expect(() => s.workers.add({} as MessagePort)).toThrow(/expected a cluster worker/);
  });

  it('forgets a worker whose channel closes, settling what waited for it', async () => {
    const s = await setup();
    const scrape = s.workers.exportPrometheusMetrics();
    await s.nextRequest();
    s.worker.close();
    const text = await scrape;
    expect(text).toContain('job_seconds_count 1\n');
    expect(s.workers.size).toBe(0);
    expect(s.errors).toEqual([]);
  });
});
