/**
 * Late records are announced (`metricRecorded`) only when the recorder kept their rollup, and
 * `issues()` refuses a late record the late buffer has no room for (so POST /metrics stays
 * all-or-nothing).
 */
import { describe, expect, it } from 'vitest';
import type { DropReason } from '../../src/core/events.js';
import { createMonitor } from '../../src/index.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { RecordedMetrics } from '../../src/metrics/recorded-metrics.js';
import { Recorder } from '../../src/metrics/recorder.js';
import type { MetricRegistry } from '../../src/metrics/registry.js';
import type { Rollup } from '../../src/storage/contract.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

const SLOT = 30_000;

function rollup(n: number): Rollup {
  return { name: 'r_total', kind: 'counter', labels: { n: String(n) }, start: 0, end: SLOT, count: 1, sum: 1, min: 1, max: 1 };
}

function recorder(maxBuffered: number, maxLate: number) {
  const clock = new ManualClock();
  const dropped: [DropReason, number][] = [];
  const rec = new Recorder(new MemoryStorage({ now: () => clock.now() }), clock, { batchSize: 10, maxBuffered, maxLate, retry: { initialDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: 0 } }, {
    flushed: () => undefined,
    dropped: (reason, count) => dropped.push([reason, count]),
    failed: () => undefined,
  });
  return { rec, dropped };
}

describe('Recorder.addLate', () => {
  it('returns how many rollups it kept under maxLate, and reports its room', () => {
    const { rec, dropped } = recorder(8, 2);
    expect(rec.lateRoom).toBe(2);
    expect(rec.addLate([rollup(1), rollup(2), rollup(3)])).toBe(2);
    expect(rec.lateRoom).toBe(0);
    expect(rec.addLate([rollup(4)])).toBe(0);
    expect(dropped).toEqual([
      ['late', 1],
      ['late', 1],
    ]);
  });

  it('does not count a late rollup trimmed at once because current ones fill maxBuffered', () => {
    const { rec } = recorder(4, 4);
    rec.add([rollup(1), rollup(2), rollup(3), rollup(4)]);
    expect(rec.lateRoom).toBe(0);
    expect(rec.addLate([rollup(5)])).toBe(0);
    expect(rec.buffered).toBe(4);
  });
});

describe('recordMetric with late timestamps', () => {
  it('announces only the late values the recorder kept', async () => {
    const clock = new ManualClock();
    const monitor = createMonitor({ service: 's', clock, flush: { maxBuffered: 8 }, limits: { lateBufferShare: 0.25 } });
    let announced = 0;
    const drops: string[] = [];
    monitor.on('metricRecorded', () => announced++);
    monitor.on('dropped', (d) => drops.push(d.reason));
    monitor.on('error', () => undefined);
    const past = clock.now() - 600_000;
    for (let i = 0; i < 5; i++) monitor.recordMetric({ metricType: 'rt', value: 1, timestamp: past, tags: { i: String(i) } });
    expect({ announced, late: drops.filter((r) => r === 'late').length }).toEqual({ announced: 2, late: 3 });
    await monitor.close();
  });
});

describe('RecordedMetrics.issues and the late buffer', () => {
  function recorded(room: number) {
    const clock = new ManualClock();
    const now = clock.now();
    const ctx = { clock, slotStart: Math.floor(now / SLOT) * SLOT, slotLength: SLOT, strict: false, seriesBounds: { maxLabelSetLength: 2048, maxLabels: 32 } } as unknown as MetricContext;
    const registry = { get: () => undefined, room: 100, maxMetrics: 100 } as unknown as MetricRegistry;
    const metrics = new RecordedMetrics({
      registry,
      ctx,
      service: 's',
      limits: { maxRecordedMetrics: 100, maxRecordAge: 86_400_000, maxClockSkew: 300_000 },
      addLate: (r) => r.length,
      lateRoom: () => room,
      invalid: () => undefined,
      dropped: () => undefined,
      recorded: () => undefined,
    });
    return { metrics, now };
  }

  it('refuses the late records of a batch past the room left, counting earlier ones in the batch', () => {
    const { metrics, now } = recorded(2);
    const batch = new Map<string, string | undefined>();
    const late = { name: 'rt', value: 1, labels: {}, timestamp: now - 600_000, unit: undefined };
    const current = { name: 'rt', value: 1, labels: {}, timestamp: now, unit: undefined };
    const found = [late, current, late, late].map((r) => metrics.issues(r, batch));
    expect(found.map((issues) => issues.map((i) => i.path))).toEqual([[], [], [], ['timestamp']]);
    expect(found[3]![0]!.message).toMatch(/buffer for late records has room for 2/);
  });

  it('counts each batch apart', () => {
    const { metrics, now } = recorded(1);
    const late = { name: 'rt', value: 1, labels: {}, timestamp: now - 600_000, unit: undefined };
    expect(metrics.issues(late, new Map())).toEqual([]);
    expect(metrics.issues(late, new Map())).toEqual([]);
  });

  it('reports a value past the histogram range', () => {
    const { metrics, now } = recorded(10);
    const issues = metrics.issues({ name: 'rt', value: 1e300, labels: {}, timestamp: now, unit: undefined }, new Map());
    expect(issues).toEqual([{ path: 'value', message: 'must be finite, >= 0 and <= 9007199254740991' }]);
  });
});
