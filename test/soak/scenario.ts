/**
 * The soak scenario, shared by the test (test/soak/soak.test.ts, one simulated week) and the
 * long run (scripts/soak.mjs, weeks): simulated traffic on the ManualClock, one slot per step.
 *
 * - Label churn: every hour a new set of tenants; idle series leave after `limits.seriesTtl`.
 * - Rule churn: every hour a new rule (`rate` per tenant, so alerts fire and resolve) and the
 *   rule of three hours before deleted.
 * - Store faults (test/soak/faulty-storage.ts): an outage every `outageEvery` lasting
 *   `outageLength`, and one poison series per hour whose every rollup the store refuses as
 *   invalid, permanently.
 *
 * Accounting: every increment of `soak_requests_total` is one value (a poison series gets one
 * per slot, so a refused rollup is one refused value). What the store holds is read back from it
 * in windows lagging 6 hours (before its 24 h retention hides them); at the end
 * `stored + counted drops (pulsewatch_dropped_total, every reason) = accepted` must hold.
 *
 * Heap: measured after a full GC (global.gc, or V8's gc exposed at run time when the process was
 * not started with --expose-gc) at the end of every simulated day.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMonitor, type Counter, type DropReason, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { FaultyStore } from './faulty-storage.js';

const SLOT = 30_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const COUNTER = 'soak_requests_total';
const HISTOGRAM = 'soak_latency_seconds';
const REASONS: readonly DropReason[] = ['invalid_value', 'buffer_full', 'shutdown', 'cardinality', 'rejected', 'late', 'metric_limit', 'alert_limit'];

/** What a soak run varies. */
export interface SoakOptions {
  days: number;
  /** Routes: series per tenant. Default 5. */
  routes?: number;
  /** New tenants every hour. Default 4. */
  tenantsPerHour?: number;
  /** Increments (and observations) per genuine series per slot. Default 2. */
  perSlot?: number;
  /** An outage starts this often (ms). Default 6 h. */
  outageEvery?: number;
  /** Length of an outage (ms). Default 20 min. */
  outageLength?: number;
  /** Progress lines (one per simulated day). */
  log?: (line: string) => void;
}

/** What a soak run measured. */
export interface SoakFigures {
  days: number;
  slots: number;
  wallMs: number;
  /** heapUsed after a full GC at the start and at the end of each day, in bytes. */
  heap: { start: number; daily: number[]; peak: number; end: number; gc: 'exposed' | 'runtime' };
  /** Values of the counter: accepted by the API, read back from the store, of poison series. */
  accepted: number;
  stored: number;
  poisonAccepted: number;
  /** Histogram observations made and read back. */
  observed: number;
  observedStored: number;
  /** pulsewatch_dropped_total by reason at the end, and the `dropped` events' counts by reason. */
  dropped: Partial<Record<DropReason, number>>;
  droppedEvents: Partial<Record<DropReason, number>>;
  /** Errors reported on `error`, by code. */
  errors: Record<string, number>;
  store: { outageRejections: number; poisonRejections: number; poisonRollupsSeen: number };
  /** Alert records the store holds at the end of each day (the default store keeps them in memory). */
  storeAlerts: number[];
  /** Largest retained state seen at an hour's end. */
  peak: { series: number; buffered: number; rules: number; activeAlerts: number };
  end: { series: number; buffered: number; rules: number; activeAlerts: number };
}

/** A full GC: global.gc when the process has it, else V8's, exposed now. */
function collector(): { gc: () => void; kind: 'exposed' | 'runtime' } {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return { gc: g, kind: 'exposed' };
  setFlagsFromString('--expose-gc');
  return { gc: runInNewContext('gc') as () => void, kind: 'runtime' };
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Sums `count` of every rollup of `name` the store holds in [from, to). */
async function storedCount(store: FaultyStore, name: string, from: number, to: number): Promise<number> {
  const rollups = await store.inner.queryRollups({ name, from, to });
  return rollups.reduce((sum, r) => sum + r.count, 0);
}

function retained(monitor: Monitor): { series: number; buffered: number; rules: number; activeAlerts: number } {
  const series = (monitor.getMetric(COUNTER)?.seriesCount ?? 0) + (monitor.getMetric(HISTOGRAM)?.seriesCount ?? 0);
  return { series, buffered: monitor.bufferedRollups, rules: monitor.alerts.getRules().length, activeAlerts: monitor.alerts.getActiveAlerts().length };
}

/** Runs the soak; resolves with its figures. */
export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const { days, routes = 5, tenantsPerHour = 4, perSlot = 2, outageEvery = 6 * HOUR, outageLength = 20 * 60_000, log } = options;
  const { gc, kind } = collector();
  const wallStart = performance.now();
  const start = Date.UTC(2026, 0, 5);
  const clock = new ManualClock(start);
  const store = new FaultyStore({ now: () => clock.now(), retention: DAY, maxPointsPerSeries: 3_000 });
  const monitor = createMonitor({ service: 'soak', clock, storage: store.storage, limits: { seriesTtl: HOUR } });
  const errors: Record<string, number> = {};
  monitor.on('error', (e) => (errors[e.code] = (errors[e.code] ?? 0) + 1));
  const droppedEvents: Partial<Record<DropReason, number>> = {};
  monitor.on('dropped', (e) => (droppedEvents[e.reason] = (droppedEvents[e.reason] ?? 0) + e.count));
  const requests = monitor.counter({ name: COUNTER, help: 'Requests by route and tenant', labelNames: ['route', 'tenant'] });
  const latency = monitor.histogram({ name: HISTOGRAM, help: 'Latency by route', labelNames: ['route'], unit: 'seconds' });

  let accepted = 0;
  let poisonAccepted = 0;
  let observed = 0;
  let stored = 0;
  let observedStored = 0;
  let readUpTo = start;
  const peak = { series: 0, buffered: 0, rules: 0, activeAlerts: 0 };
  const heapStart = heapAfterGc(gc);
  const daily: number[] = [];
  const storeAlerts: number[] = [];
  let heapPeak = heapStart;

  const slots = (days * DAY) / SLOT;
  for (let i = 0; i < slots; i++) {
    const now = clock.now();
    const hour = Math.floor((now - start) / HOUR);
    if (now % HOUR === 0) {
      // The loop otherwise runs on microtasks alone (a MemoryStorage answers at once): let the
      // event loop turn once a simulated hour, so the process (a vitest worker) still answers I/O,
      // such as its runner's messages, during a run of a minute. Not a wait on time.
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Rule churn: one rule per hour, each alerting per tenant; the one of three hours ago goes.
      await monitor.alerts.createRule({ id: `soak-${hour}`, name: `busy tenants ${hour}`, metric: COUNTER, aggregation: 'rate', window: '5m', condition: 'greater_than', threshold: 0.01, groupBy: ['tenant'], duration: '1m' });
      if (hour >= 3) await monitor.alerts.deleteRule(`soak-${hour - 3}`);
      // Read back what the store holds, 6 hours behind (writes delayed by an outage have landed).
      const upTo = now - 6 * HOUR;
      if (upTo > readUpTo && (now - start) % (6 * HOUR) === 0) {
        stored += await storedCount(store, COUNTER, readUpTo, upTo);
        observedStored += await storedCount(store, HISTOGRAM, readUpTo, upTo);
        readUpTo = upTo;
      }
      const r = retained(monitor);
      for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], r[k]);
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    store.down = (now - start) % outageEvery < outageLength && now - start >= outageEvery;
    // Traffic of this slot: label churn by the hour, one poison increment.
    for (let t = 0; t < tenantsPerHour; t++) {
      const tenant = `t${hour}-${t}`;
      for (let r = 0; r < routes; r++) {
        const route = `/api/r${r}`;
        for (let k = 0; k < perSlot; k++) {
          requests.inc({ route, tenant });
          accepted++;
          latency.observe(((i * 7 + r * 13 + k) % 1000) / 1000, { route });
          observed++;
        }
      }
    }
    requests.inc({ route: '/api/r0', tenant: `poison-${hour}` });
    accepted++;
    poisonAccepted++;
    clock.advance(SLOT);
    await monitor.flush();
    if ((i + 1) % (DAY / SLOT) === 0) {
      const heap = heapAfterGc(gc);
      daily.push(heap);
      storeAlerts.push((await store.inner.queryAlerts({})).length);
      heapPeak = Math.max(heapPeak, heap);
      log?.(`day ${daily.length}: heap ${(heap / 2 ** 20).toFixed(1)} MiB, alert records in the store ${storeAlerts.at(-1)}, buffered ${monitor.bufferedRollups}, series ${retained(monitor).series}, stored ${stored}/${accepted}, wall ${((performance.now() - wallStart) / 1000).toFixed(1)} s`);
    }
  }
  store.down = false;
  const endState = retained(monitor);
  await monitor.close();
  stored += await storedCount(store, COUNTER, readUpTo, Infinity);
  observedStored += await storedCount(store, HISTOGRAM, readUpTo, Infinity);
  const droppedCounter = monitor.getMetric('pulsewatch_dropped_total') as Counter<'reason'>;
  const dropped: Partial<Record<DropReason, number>> = {};
  for (const reason of REASONS) {
    const n = droppedCounter.get({ reason });
    if (n > 0) dropped[reason] = n;
  }
  const end = heapAfterGc(gc);
  await store.inner.close();
  return {
    days,
    slots,
    wallMs: Math.round(performance.now() - wallStart),
    heap: { start: heapStart, daily, peak: Math.max(heapPeak, end), end, gc: kind },
    accepted,
    stored,
    poisonAccepted,
    observed,
    observedStored,
    dropped,
    droppedEvents,
    errors,
    store: { outageRejections: store.outageRejections, poisonRejections: store.poisonRejections, poisonRollupsSeen: store.poisonRollupsSeen },
    storeAlerts,
    peak,
    end: endState,
  };
}
