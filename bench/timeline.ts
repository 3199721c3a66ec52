/**
 * Timelines and SLA reports (issue 18). Run: `npx tsx bench/timeline.ts` (`mark` or `report`: one part).
 *
 * Method, fixed before the first run:
 * 1. mark() against one labeled histogram observe, in one process on the real clock:
 *    - observe: `histogram.observe(v, labels)` on a histogram with a `phase` label, labels cycling
 *      over 3 label objects built once (the call a user would write per phase);
 *    - mark: a 4-phase timeline, 250,000 entries (ids built once) each marked through its 4
 *      phases: 1,000,000 marks a round, every entry finishing (the steady state);
 *    - churn: 1,000,000 marks of distinct ids that never finish (maxOpen 10,000: evictions).
 *    (Added after the first run, outside the criterion: `now+observe`, a clock read and a labeled
 *    observe per call, what timing a phase by hand costs.)
 *    2 warm-up rounds each, then 15 rounds with the order rotated each round; ns per call,
 *    median and min. Passes when the median mark costs no more than the median observe.
 *    Changed at the second pass on mark() (issue 18), outside the criterion: times are CPU time
 *    (process.cpuUsage, which other work on a shared machine inflates less than wall time), and
 *    three variants are added: `mark(at)`, the same entries marked with their times given (the
 *    times read from a generic array, as from a message's fields: the loop boxes no number
 *    itself), which reads the clock once per entry (when it opens) rather than per mark; `map floor`, what any timeline keyed by the caller's ids does
 *    per mark whatever else it does (a Map lookup of the id per mark, an insert and a delete per
 *    entry, the Map holding 20,000 ids as a timeline does with maxOpen 10,000); `map+observes`,
 *    that and a bound observe per step and of the end-to-end duration (4 per entry).
 * 2. A 1-hour SLA report over 1,000,000 samples: a ManualClock, MemoryStorage, 1M entries of a
 *    4-phase timeline spread evenly over the hour (log-normal latencies, median ~1.5 s, seeded),
 *    so 11 slots are in memory and the rest read from stored rollups. Then 30 rounds alternating
 *    `report({ timeline, window: '1h' })` with `getAggregatedMetrics` of the same histogram and
 *    window (the public read it builds on), after 3 warm-up rounds each; the first (cold) report
 *    is given apart. Passes when the median report takes < 50 ms.
 * The load average is printed before and after each part: other work on the machine moves both
 * sides of each comparison alike, since their rounds alternate.
 */
import { loadavg } from 'node:os';
import { createMonitor, MemoryStorage, type Monitor, type MonitorOptions } from '../src/index.js';
import type { SlaReporter } from '../src/sla/reporter.js';
import { ManualClock } from '../src/testing.js';
import type { TimelineRegistry } from '../src/timeline/registry.js';

const PHASES = ['queued', 'started', 'completed', 'delivered'];

/** A monitor and the timeline and SLA capabilities it wires (`monitor.timeline()`, `monitor.slaReport()`). */
function capabilities(options: MonitorOptions): { monitor: Monitor; timelines: TimelineRegistry; sla: SlaReporter } {
  const monitor = createMonitor({ logger: false, ...options });
  const { timelines, sla } = (monitor as unknown as { parts: { timelines: TimelineRegistry; sla: SlaReporter } }).parts;
  return { monitor, timelines, sla };
}

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

/** CPU time (ms) of `fn`: user + system, which other work on the machine inflates less than wall time. */
function cpu(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1_000;
}

function markVersusObserve(): boolean {
  console.log(`\n## mark() vs histogram.observe(v, labels), CPU time   load before: ${load()}`);
  const { monitor, timelines } = capabilities({});
  const clock = monitor.clock;
  const histogram = monitor.histogram({ name: 'bench_step_ms', labelNames: ['phase'] });
  const labels = [{ phase: 'a' }, { phase: 'b' }, { phase: 'c' }];
  const bound = labels.map((l) => histogram.labels(l));
  const e2e = monitor.histogram({ name: 'bench_e2e_ms' }).labels({});
  const steady = timelines.create('steady', { phases: PHASES });
  const given = timelines.create('given', { phases: PHASES });
  const churn = timelines.create('churn', { phases: PHASES });
  const N = 1_000_000;
  const entryIds = Array.from({ length: N / 4 }, (_, i) => `order-${i}`);
  const churnIds = Array.from({ length: N }, (_, i) => `msg-${i}`);
  const index = new Map<string, number>();
  let sink = 0;
  const variants: Record<string, () => void> = {
    observe: () => {
      for (let i = 0; i < N; i++) histogram.observe(i % 5_000, labels[i % 3]);
    },
    // Not part of the pass criterion (fixed above): what timing a phase by hand costs, a clock read
    // and a labeled observe, since a mark without `at` reads the monitor's clock and observe does not.
    'now+observe': () => {
      let last = clock.now();
      for (let i = 0; i < N; i++) {
        const now = clock.now();
        histogram.observe(now - last, labels[i % 3]);
        last = now;
      }
    },
    mark: () => {
      for (let i = 0; i < entryIds.length; i++) {
        const id = entryIds[i]!;
        steady.mark(id, 'queued');
        steady.mark(id, 'started');
        steady.mark(id, 'completed');
        steady.mark(id, 'delivered');
      }
    },
    'mark(at)': () => {
      const t = Date.now();
      // A generic array holds the times boxed, as an object's fields hand them over.
      const times: unknown[] = [t - 3, t - 2, t - 1, t, 'generic'];
      for (let i = 0; i < entryIds.length; i++) {
        const id = entryIds[i]!;
        given.mark(id, 'queued', times[0] as number);
        given.mark(id, 'started', times[1] as number);
        given.mark(id, 'completed', times[2] as number);
        given.mark(id, 'delivered', times[3] as number);
      }
    },
    churn: () => {
      for (let i = 0; i < N; i++) churn.mark(churnIds[i]!, 'queued');
    },
    'map floor': () => {
      for (let i = 0; i < entryIds.length; i++) {
        const id = entryIds[i]!;
        for (let k = 0; k < 4; k++) {
          const slot = index.get(id);
          if (slot === undefined) index.set(id, i);
          else sink += slot;
        }
        index.delete(entryIds[(i + entryIds.length - 20_000) % entryIds.length]!);
      }
    },
    'map+observes': () => {
      for (let i = 0; i < entryIds.length; i++) {
        const id = entryIds[i]!;
        for (let k = 0; k < 4; k++) {
          const slot = index.get(id);
          if (slot === undefined) index.set(id, i);
          else {
            sink += slot;
            bound[k - 1]!.observe(k);
          }
        }
        e2e.observe(6);
        index.delete(entryIds[(i + entryIds.length - 20_000) % entryIds.length]!);
      }
    },
  };
  const names = Object.keys(variants);
  const ns: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < 17; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const perCall = (cpu(variants[name]!) * 1e6) / N;
      if (round >= 2) ns[name]!.push(perCall);
    }
  }
  const observe = median(ns.observe!);
  for (const name of names) {
    console.log(`${name.padEnd(13)} median ${median(ns[name]!).toFixed(0).padStart(4)} ns/call   min ${Math.min(...ns[name]!).toFixed(0).padStart(4)} ns/call   ${(median(ns[name]!) / observe).toFixed(2)} x observe`);
  }
  const ratio = median(ns.mark!) / observe;
  console.log(`mark / observe (medians): ${ratio.toFixed(2)}; mark(at) / observe: ${(median(ns['mark(at)']!) / observe).toFixed(2)}   load after: ${load()}`);
  console.log(`open entries of churn: ${churn.openEntries} (maxOpen 10000), dropped ${churn.counts().dropped}`);
  if (sink < 0) console.log(sink); // keeps the Map reads observable
  return ratio <= 1;
}

/** Deterministic log-normal latencies (ms): median ~1.5 s, a tail to tens of seconds. */
function latencies(seed = 42): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return (s + 0.5) / 4_294_967_296;
  };
  return () => {
    const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return Math.min(120_000, Math.max(50, Math.round(Math.exp(Math.log(1_500) + 0.8 * z))));
  };
}

async function hourReport(): Promise<boolean> {
  console.log(`\n## 1-hour SLA report over 1,000,000 samples   load before: ${load()}`);
  const T0 = Date.UTC(2026, 0, 1);
  const clock = new ManualClock(T0);
  const { monitor, timelines, sla } = capabilities({ clock, storage: new MemoryStorage({ now: () => clock.now() }) });
  const chat = timelines.create('chat', { phases: PHASES });
  const next = latencies();
  const total = 1_000_000;
  const seconds = 3_600;
  let made = 0;
  const built = performance.now();
  for (let sec = 1; sec <= seconds; sec++) {
    const upTo = Math.round((total * sec) / seconds);
    const now = clock.now();
    for (; made < upTo; made++) {
      const ms = next();
      const id = `m${made}`;
      chat.mark(id, 'queued', now - ms);
      chat.mark(id, 'started', now - ms + Math.min(ms, 100));
      chat.mark(id, 'completed', now - Math.min(ms - Math.min(ms, 100), 50));
      chat.mark(id, 'delivered', now);
    }
    await clock.advanceAsync(1_000);
  }
  console.log(`built ${made} entries in ${((performance.now() - built) / 1000).toFixed(1)} s; ${monitor.bufferedRollups} rollups still buffered`);
  const cold = performance.now();
  const first = await sla.report({ timeline: 'chat', window: '1h' });
  console.log(`cold report: ${(performance.now() - cold).toFixed(1)} ms (totalMessages ${first.totalMessages}, p95 ${first.stats.p95Latency} ms, compliance ${first.compliance.percent} %)`);
  const times: Record<'report' | 'aggregate', number[]> = { report: [], aggregate: [] };
  for (let round = 0; round < 33; round++) {
    for (const name of round % 2 === 0 ? (['report', 'aggregate'] as const) : (['aggregate', 'report'] as const)) {
      const start = performance.now();
      if (name === 'report') await sla.report({ timeline: 'chat', window: '1h' });
      else await monitor.getAggregatedMetrics({ name: 'chat_latency_ms', window: '1h' });
      if (round >= 3) times[name].push(performance.now() - start);
    }
  }
  for (const name of ['report', 'aggregate'] as const) console.log(`${name.padEnd(9)} median ${median(times[name]).toFixed(1)} ms   p90 ${p90(times[name]).toFixed(1)} ms`);
  console.log(`load after: ${load()}`);
  await monitor.close();
  return median(times.report) < 50;
}

// `npx tsx bench/timeline.ts mark` (or `report`) runs one part.
const part = process.argv[2];
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const results: string[] = [];
if (part !== 'report') results.push(`mark() <= one labeled observe: ${verdict(markVersusObserve())}`);
if (part !== 'mark') results.push(`1-hour report over 1M samples < 50 ms: ${verdict(await hourReport())}`);
console.log(`\n${results.join('; ')}`);
