/**
 * snapshot({ labels }) and snapshot({ organizationId }): a tenant's view (issue 18 item 4, seed
 * 002). Every metric part counts only the series that carry the labels, this process's and
 * other instances' alike; a filter that cannot be read is reported and matches no series.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isValidationError } from '../../src/core/errors.js';
import { JOB_METRICS, MemoryStorage, createMonitor, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function setup(strict = false) {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, strict });
  monitors.push(monitor);
  const errors: unknown[] = [];
  monitor.on('error', (e) => errors.push(e));
  const requests = monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['organizationId', 'status'] });
  // org-a: 4 requests, one a 500; org-b: 2 slow requests.
  for (const v of [0.1, 0.1, 0.1]) requests.observe(v, { organizationId: 'org-a', status: '200' });
  requests.observe(0.3, { organizationId: 'org-a', status: '500' });
  for (const v of [2, 4]) requests.observe(v, { organizationId: 'org-b', status: '200' });
  const runs = monitor.counter({ name: JOB_METRICS.executions, labelNames: ['job', 'outcome', 'organizationId'] });
  runs.inc({ job: 'export', outcome: 'success', organizationId: 'org-a' }, 3);
  runs.inc({ job: 'import', outcome: 'failure', organizationId: 'org-b' }, 2);
  const queue = monitor.gauge({ name: JOB_METRICS.queue, labelNames: ['state', 'organizationId'] });
  queue.set(5, { state: 'waiting', organizationId: 'org-a' });
  queue.set(7, { state: 'waiting', organizationId: 'org-b' });
  return { clock, storage, monitor, errors };
}

describe('snapshot label filter', () => {
  it('narrows performance, system, jobs and queue to the series with the labels', async () => {
    const { monitor, errors } = setup();
    const snap = await monitor.snapshot({ labels: { organizationId: 'org-a' } });
    expect(snap.performance.snapshot).toEqual([expect.objectContaining({ name: 'http_request_duration_seconds', count: 4, max: 0.3 })]);
    expect(snap.performance.slowest.map((s) => s.labels?.['organizationId'])).toEqual(['org-a', 'org-a']);
    expect(snap.system).toMatchObject({ errorRate: 25, avgResponseTime: 150, p95ResponseTime: 300 });
    expect(snap.jobs.map((j) => [j.jobId, j.totalExecutions])).toEqual([['export', 3]]);
    expect(snap.queue.pending).toBe(5);
    expect(errors).toEqual([]);
    const all = await monitor.snapshot();
    expect(all.performance.snapshot[0]!.count).toBe(6);
    expect(all.queue.pending).toBe(12);
    expect(all.jobs.map((j) => j.jobId)).toEqual(['export', 'import']);
  });

  it('takes organizationId as a shorthand for labels.organizationId, and both when both are given', async () => {
    const { monitor } = setup();
    const short = await monitor.snapshot({ organizationId: 'org-b' });
    expect(short).toEqual(await monitor.snapshot({ labels: { organizationId: 'org-b' } }));
    expect(short.performance.snapshot[0]).toMatchObject({ count: 2, max: 4 });
    expect((await monitor.snapshot({ organizationId: 'org-b', labels: { status: '200' } })).performance.snapshot[0]).toMatchObject({ count: 2 });
    expect((await monitor.snapshot({ organizationId: 'org-a', labels: { status: '200' } })).performance.snapshot[0]).toMatchObject({ count: 3 });
    // Two values of one label: no series has both.
    const none = await monitor.snapshot({ organizationId: 'org-a', labels: { organizationId: 'org-b' } });
    expect(none.performance.snapshot).toEqual([]);
    expect(none.jobs).toEqual([]);
  });

  it('shows nothing for a tenant without data, and every series for an empty filter', async () => {
    const { monitor } = setup();
    const empty = await monitor.snapshot({ organizationId: 'org-z' });
    expect(empty.performance).toEqual({ snapshot: [], trends: [], slowest: [] });
    expect(empty.queue.pending).toBe(0);
    expect((await monitor.snapshot({ labels: {} })).performance.snapshot[0]!.count).toBe(6);
  });

  it("narrows other instances' stored data too", async () => {
    const { clock, storage, monitor } = setup();
    const other = createMonitor({ clock, storage });
    monitors.push(other);
    other.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['organizationId', 'status'] }).observe(1, { organizationId: 'org-a', status: '200' });
    other.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['organizationId', 'status'] }).observe(1, { organizationId: 'org-c', status: '200' });
    await other.flush();
    expect((await monitor.snapshot({ organizationId: 'org-a' })).performance.snapshot[0]).toMatchObject({ count: 5, max: 1 });
    expect((await monitor.snapshot({ organizationId: 'org-c' })).performance.snapshot[0]).toMatchObject({ count: 1 });
    expect((await monitor.snapshot()).performance.snapshot[0]).toMatchObject({ count: 8 });
  });

  it('keeps alerts and breakers unfiltered (they are not metric parts)', async () => {
    const { monitor } = setup();
    monitor.circuitBreaker('payments', async () => 1);
    expect((await monitor.snapshot({ organizationId: 'org-z' })).breakers.map((b) => b.name)).toEqual(['payments']);
  });
});

const throwingProxy = () =>
  new Proxy(
    {},
    {
      ownKeys() {
        throw new Error('ownKeys');
      },
      get() {
        throw new Error('get');
      },
    },
  );

/** Hostile filters, and the issue path each is reported under. */
const hostile: [string, Record<string, unknown>, string][] = [
  ['a label value that is not a string', { labels: { organizationId: ['org-a'] } }, 'labels.organizationId'],
  ['a number as organizationId', { organizationId: 7 }, 'organizationId'],
  ['labels that are a string', { labels: 'organizationId=org-a' }, 'labels'],
  ['labels that are null', { labels: null }, 'labels'],
  ['labels that are an array', { labels: [['organizationId', 'org-a']] }, 'labels'],
  ['more than 32 labels', { labels: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, 'x'])) }, 'labels'],
  ['labels that throw when read', { labels: throwingProxy() }, 'labels'],
  ['a label whose getter throws', { labels: Object.defineProperty({}, 'organizationId', { enumerable: true, get: () => { throw new Error('getter'); } }) }, 'labels'],
];

describe('snapshot label filter, hostile values', () => {
  for (const [what, options, path] of hostile) {
    it(`${what}: reports a ValidationError naming ${path} and shows no series (never every tenant's)`, async () => {
      const { monitor, errors } = setup();
      const snap = await monitor.snapshot(options as never);
      expect(snap.performance).toEqual({ snapshot: [], trends: [], slowest: [] });
      expect(snap.jobs).toEqual([]);
      expect(snap.queue.pending).toBe(0);
      expect(snap.system).toMatchObject({ errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 });
      expect(errors).toHaveLength(1);
      expect(isValidationError(errors[0])).toBe(true);
      expect((errors[0] as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
      expect((errors[0] as Error).message).toMatch(/^snapshot: the label filter could not be read/);
    });
  }

  it('names a megabyte-long label name in at most 64 characters', async () => {
    const { monitor, errors } = setup();
    await monitor.snapshot({ labels: { ['x'.repeat(1_000_000)]: 1 } } as never);
    expect((errors[0] as { issues: { path: string }[] }).issues[0]!.path.length).toBeLessThanOrEqual(64 + 'labels.'.length);
  });

  it('rejects with the ValidationError in strict mode', async () => {
    const { monitor } = setup(true);
    await expect(monitor.snapshot({ organizationId: 7 } as never)).rejects.toThrow(/label filter could not be read \(organizationId: expected a string, got a value of type number\)/);
  });
});

describe('snapshot label filter, tenant isolation', () => {
  it('a tenant getter that throws matches no series (never widened to every tenant), and is reported', async () => {
    const { monitor, errors } = setup();
    const options = { get organizationId(): string { throw new Error('getter'); } };
    const snap = await monitor.snapshot(options as never);
    expect(snap.performance).toEqual({ snapshot: [], trends: [], slowest: [] });
    expect(snap.jobs).toEqual([]);
    expect(snap.queue.pending).toBe(0);
    expect(errors).toHaveLength(1);
    expect(isValidationError(errors[0])).toBe(true);
    expect((errors[0] as Error).message).toMatch(/^snapshot: options could not be read/);
  });

  it('lists only the alerts whose labels include every filter label, and counts only those', async () => {
    const { monitor } = setup();
    await monitor.alerts.triggerAlert({ name: 'org-a slow', labels: { organizationId: 'org-a' } } as never);
    await monitor.alerts.triggerAlert({ name: 'org-b secret', labels: { organizationId: 'org-b' } } as never);
    await monitor.alerts.triggerAlert({ name: 'untenanted' } as never);
    const all = await monitor.snapshot();
    expect(all.alerts.active).toBe(3);
    const a = await monitor.snapshot({ organizationId: 'org-a' });
    expect(a.alerts.active).toBe(1);
    expect(a.alerts.items.map((x) => x.labels['alertname'])).toEqual(['org-a slow']);
    const none = await monitor.snapshot({ labels: { organizationId: 'org-a', team: 'x' } });
    expect(none.alerts).toEqual({ active: 0, items: [] });
  });
});
