import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, isLimitError, MemoryStorage, type LimitError, type Monitor } from '../../src/index.js';
import { MAX_CONCURRENT_REPORTS, MAX_REPORT_SLOTS } from '../../src/reports/limits.js';
import type { Rollup, RollupQuery } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';
import { closeAfterEach } from '../helpers/closing.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const NAME = 'http_request_duration_seconds';
const closing = closeAfterEach();

/** A store whose range reads wait until `release()`, or answer `answer` when set. */
class GatedStorage extends MemoryStorage {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  answer: Rollup[] | undefined;
  reads = 0;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  override async queryRollups(query: RollupQuery): Promise<Rollup[]> {
    this.reads++;
    if (this.gate !== undefined) await this.gate;
    return this.answer ?? super.queryRollups(query);
  }
}

function setup(): { clock: ManualClock; storage: GatedStorage; monitor: Monitor } {
  const clock = new ManualClock(T0 + 48 * HOUR);
  const storage = new GatedStorage({ now: () => clock.now(), retention: '30d' });
  const monitor = closing(createMonitor({ clock, storage, logger: false, service: 'limits', histogram: { slotLength: '1h' } }));
  monitor.on('error', () => {});
  monitor.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' });
  return { clock, storage, monitor };
}

async function limitOf(promise: Promise<unknown>): Promise<LimitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLimitError(error)).toBe(true);
  return error as LimitError;
}

describe('report limits', () => {
  it(`refuses a report past ${MAX_CONCURRENT_REPORTS} running at once on the monitor with a LimitError naming report.maxConcurrent, and serves the next once one finished`, async () => {
    const { storage, monitor } = setup();
    storage.hold();
    const running = Array.from({ length: MAX_CONCURRENT_REPORTS }, () => monitor.generatePerformanceReport({ metrics: [NAME] }));
    const error = await limitOf(monitor.generatePerformanceReport({ metrics: [NAME] }));
    expect(error).toMatchObject({ limit: 'report.maxConcurrent', max: MAX_CONCURRENT_REPORTS });
    expect(error.message).toContain(`(${MAX_CONCURRENT_REPORTS})`);
    storage.release();
    for (const report of await Promise.all(running)) expect(report.metrics[NAME]!.count).toBe(0);
    await expect(monitor.generatePerformanceReport({ metrics: [NAME] })).resolves.toMatchObject({ period: 'daily' });
  });

  it('counts per monitor: another monitor is not refused while this one is busy', async () => {
    const a = setup();
    const b = setup();
    a.storage.hold();
    const running = Array.from({ length: MAX_CONCURRENT_REPORTS }, () => a.monitor.generatePerformanceReport({ metrics: [NAME] }));
    await expect(b.monitor.generatePerformanceReport({ metrics: [NAME] })).resolves.toMatchObject({ period: 'daily' });
    a.storage.release();
    await Promise.all(running);
  });

  it('answers 429 with Retry-After on GET /reports/performance when the monitor is busy', async () => {
    const { storage, monitor } = setup();
    const handler = createMonitoringHandler(monitor, { basePath: '/m' });
    storage.hold();
    const url = `http://localhost/m/reports/performance?metrics=${NAME}`;
    const running = Array.from({ length: MAX_CONCURRENT_REPORTS }, () => handler(new Request(url)));
    const refused = await handler(new Request(url));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await refused.json()).error).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    storage.release();
    for (const response of await Promise.all(running)) expect(response.status).toBe(200);
  });

  it(`refuses a report over more than ${MAX_REPORT_SLOTS} slots (series x range) with a LimitError naming report.maxSlots, before merging any (HTTP 400)`, async () => {
    const { storage, monitor } = setup();
    const rollups: Rollup[] = [];
    // 500 series x 501 hourly slots of the previous 20 days and this one.
    for (let s = 0; s < 500; s++) {
      for (let i = 0; i < 501; i++) {
        const start = T0 + 48 * HOUR - (i + 1) * HOUR;
        rollups.push({ name: NAME, kind: 'histogram', labels: { route: `/r${s}` }, start, end: start + HOUR, count: 1, sum: 0.1, min: 0.1, max: 0.1, service: 'x', instance: 'other' });
      }
    }
    storage.answer = rollups;
    const error = await limitOf(monitor.generatePerformanceReport({ metrics: [NAME], period: 'monthly' }));
    expect(error).toMatchObject({ limit: 'report.maxSlots', max: MAX_REPORT_SLOTS });
    expect(error.message).toContain('250500 slots');
    const response = await createMonitoringHandler(monitor, { basePath: '/m' })(new Request(`http://localhost/m/reports/performance?metrics=${NAME}&period=monthly`));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    // Just under the limit, it is served.
    storage.answer = rollups.slice(0, MAX_REPORT_SLOTS);
    await expect(monitor.generatePerformanceReport({ metrics: [NAME], period: 'monthly' })).resolves.toMatchObject({ period: 'monthly' });
  });
});
