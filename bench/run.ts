/**
 * `npm run bench`: runs every case, prints the tables and rewrites docs/performance.md.
 * Order matters: the throughput cases run first on a fresh heap; the accuracy case (large
 * arrays) runs after them; memory and allocations run last in child processes, one at a
 * time, so they never compete with a timed loop for the CPU.
 */
import { percentileAccuracy, type QuantileRow } from './accuracy.js';
import { alertsBench } from './alerts.js';
import { fleetEvaluationBench } from './fleet-evaluation.js';
import { breakerBench } from './breaker.js';
import { healthBench } from './health.js';
import { runHttpMiddlewareBench } from './http-middleware.js';
import { postgresStorageBench } from './storage-postgres.js';
import { redisStorageBench } from './storage-redis.js';
import { ALLOCATION_FLAGS, type AllocationResult } from './allocations.js';
import { machineLine, writePerformanceDoc } from './docs.js';
import { exposition, expositionSizes } from './exposition.js';
import { checksumValue, runCase, type Measured } from './harness.js';
import { MEMORY_SERIES, type MemoryResult } from './memory.js';
import { OTEL, PROM, PULSEWATCH } from './peers.js';
import {
  formatBytes,
  formatPercent,
  formatRatio,
  medianOf,
  renderMarkdown,
  renderText,
  targetsTable,
  throughputTable,
  type Section,
  type Target,
} from './report.js';
import { runChild } from './spawn.js';
import { boundObserve, labeledCounter, labeledObserve, type CaseSetup } from './throughput.js';

const PEERS = [PROM, OTEL];
const ALLOC_CALLS = 10_000_000;
// Small enough that prom-client's allocations fit the young generation without a GC.
const PEER_ALLOC_CALLS = 100_000;
const KIB = 1024;

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function throughput(title: string, setup: CaseSetup, notes: string[] = []): Promise<{ section: Section; results: Measured[] }> {
  progress(title);
  const results = await runCase(setup.contenders);
  await setup.close();
  return { section: { title, notes, table: throughputTable(results, PEERS) }, results };
}

function ratioTarget(name: string, results: readonly Measured[], min: number): Target {
  const ratio = medianOf(results, PULSEWATCH) / medianOf(results, PROM);
  return { name, measured: formatRatio(ratio), threshold: `>= ${min}x prom-client`, pass: ratio >= min };
}

function memorySection(results: readonly MemoryResult[]): Section {
  return {
    title: '5. Memory per histogram series',
    notes: [
      `Growth of heapUsed + arrayBuffers after gc, divided by the series count, with a full window: pulsewatch's ring of 11 slots`,
      `holds the given observations in every slot (ring + 4 slots recorded, so every slot was reused); prom-client keeps only cumulative buckets.`,
    ],
    table: {
      headers: ['library', 'observations/slot (pulsewatch), /series (prom-client)', 'series', 'heap/series', 'typed arrays/series', 'total/series'],
      rows: results.map((r) => [
        r.library,
        r.observations.toLocaleString('en-US'),
        r.series.toLocaleString('en-US'),
        formatBytes(r.heapPerSeries),
        formatBytes(r.arrayBuffersPerSeries),
        formatBytes(r.totalPerSeries),
      ]),
    },
  };
}

function accuracySection(rows: readonly QuantileRow[]): Section {
  const s = (v: number): string => v.toFixed(6);
  return {
    title: '6. Percentile accuracy (1,000,000 log-normal latencies, seconds)',
    notes: ['Relative error against exact nearest-rank quantiles. prom-client: default buckets read with histogram_quantile().'],
    table: {
      headers: ['quantile', 'exact', 'pulsewatch (5m window)', 'error', 'prom-client (histogram_quantile)', 'error'],
      rows: rows.map((r) => [r.quantile, s(r.exact), s(r.pulsewatch), formatPercent(r.pulsewatchError), s(r.prom), formatPercent(r.promError)]),
    },
  };
}

function allocationCell(r: AllocationResult, value: number): string {
  return r.gcsDuringLoop > 0 ? `n/a (${r.gcsDuringLoop} GCs)` : `${value.toFixed(4)} B`;
}

function allocationSection(results: readonly AllocationResult[]): Section {
  return {
    title: '7. Allocations per bound observe()',
    notes: ['heapUsed growth across the loop without GC (allocated) and after a full gc (retained), per call.'],
    table: {
      headers: ['library', 'calls', 'allocated/call', 'retained/call', 'GCs during loop'],
      rows: results.map((r) => [
        r.library,
        r.calls.toLocaleString('en-US'),
        allocationCell(r, r.bytesPerCall),
        `${r.retainedPerCall.toFixed(4)} B`,
        String(r.gcsDuringLoop),
      ]),
    },
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = machineLine();
  progress(machine);
  const sections: Section[] = [];
  const targets: Target[] = [];

  const bound = await throughput('1. Bound histogram observe', boundObserve(), [
    'pulsewatch `h.labels(l).observe(v)`, prom-client `h.labels(l).observe(v)`, OTel `h.record(v, attrs)` (no bound instruments).',
  ]);
  sections.push(bound.section);
  targets.push(ratioTarget('bound observe', bound.results, 4));

  const labeled = await throughput('2. Labeled histogram observe (3 labels, 10 label sets)', labeledObserve(), [
    'pulsewatch `h.observe(v, labels)`, prom-client `h.observe(labels, v)`, OTel `h.record(v, attrs)`.',
  ]);
  sections.push(labeled.section);
  targets.push(ratioTarget('labeled histogram observe', labeled.results, 3));

  const counter = await throughput('3. Labeled counter inc (3 labels, 10 label sets)', labeledCounter(), [
    'pulsewatch `c.inc(labels)`, prom-client `c.inc(labels)`, OTel `c.add(1, attrs)`.',
  ]);
  sections.push(counter.section);
  targets.push(ratioTarget('labeled counter inc', counter.results, 3));

  const expo100 = exposition(100, 10);
  const expo = await throughput('4a. Exposition: 100 histograms x 10 series', expo100, [
    'pulsewatch `monitor.exportPrometheusMetrics()`, prom-client `await registry.metrics()`; ops/s = scrapes per second.',
    `Output size: ${await expositionSizes(expo100)}.`,
  ]);
  sections.push(expo.section);
  targets.push(ratioTarget('exposition 100x10', expo.results, 2));

  const expo1000 = exposition(1, 1000);
  const expoWide = await throughput('4b. Exposition: 1 histogram x 1,000 series', expo1000, [`Output size: ${await expositionSizes(expo1000)}.`]);
  sections.push(expoWide.section);

  // Timed loops first, on a fresh heap; its section is reported after the metrics sections.
  progress('9. circuit breaker fire()');
  const breaker = await breakerBench();

  progress('6. percentile accuracy');
  const accuracy = await percentileAccuracy();
  const worst = Math.max(...accuracy.map((r) => r.pulsewatchError));
  targets.push({ name: 'percentiles p50-p999 (max error)', measured: formatPercent(worst), threshold: '<= 1% relative', pass: worst <= 0.01 });

  progress('5. memory (child processes)');
  const memory: MemoryResult[] = [
    await runChild<MemoryResult>('memory:pulsewatch', 100, { series: MEMORY_SERIES }),
    await runChild<MemoryResult>('memory:prom-client', 100, { series: MEMORY_SERIES }),
    await runChild<MemoryResult>('memory:pulsewatch', 10_000, { series: MEMORY_SERIES }),
    // prom-client observes ~1M/s; 20M observations would take most of the time budget, and its
    // per-series state is the same fixed bucket set whatever the count.
    await runChild<MemoryResult>('memory:prom-client', 10_000, { series: MEMORY_SERIES / 4 }),
  ];
  sections.push(memorySection(memory));
  const mem100 = memory[0]!.totalPerSeries;
  targets.push({ name: 'memory per series, full window (11 slots of 100 obs)', measured: formatBytes(mem100), threshold: '<= 4 KiB', pass: mem100 <= 4 * KIB });

  sections.push(accuracySection(accuracy));

  progress('7. allocations (child processes)');
  const allocations: AllocationResult[] = [
    await runChild<AllocationResult>('alloc:pulsewatch', ALLOC_CALLS, { v8Flags: ALLOCATION_FLAGS }),
    await runChild<AllocationResult>('alloc:prom-client', PEER_ALLOC_CALLS, { v8Flags: ALLOCATION_FLAGS }),
  ];
  sections.push(allocationSection(allocations));
  const pa = allocations[0]!;
  // Below 0.01 B/call over 10M calls is under 100 KB in total: the readings' own noise, not the library.
  targets.push({
    name: 'allocations per bound observe',
    measured: `${pa.bytesPerCall.toFixed(4)} B/call, ${pa.gcsDuringLoop} GCs`,
    threshold: '0 B/call, no GC',
    pass: pa.gcsDuringLoop === 0 && pa.bytesPerCall < 0.01,
  });

  progress('8. alert rule evaluation');
  const alerts = await alertsBench();
  sections.push(alerts.section);
  targets.push(...alerts.targets);

  progress('8b. fleet-wide rule evaluation');
  const fleet = await fleetEvaluationBench();
  sections.push({ ...fleet.section, title: `8b. ${fleet.section.title}` });
  targets.push(...fleet.targets);

  sections.push({ title: `9. ${breaker.title}`, notes: breaker.notes, table: breaker.table });
  const vsDefaults = breaker.ratios["pulsewatch (opossum's options) vs opossum defaults"]!;
  const vsSame = breaker.ratios["pulsewatch (opossum's options) vs opossum timeout:false"]!;
  targets.push({ name: "breaker.fire() with metrics vs raw opossum, same options (opossum's defaults)", measured: formatRatio(vsDefaults), threshold: '>= 2x', pass: vsDefaults >= 2 });
  targets.push({ name: 'breaker.fire() with metrics vs raw opossum with timeout: false', measured: formatRatio(vsSame), threshold: '>= 1x', pass: vsSame >= 1 });

  progress('10. health check with a hanging check');
  const health = await healthBench();
  sections.push({ title: `10. ${health.title}`, notes: health.notes, table: health.table });
  targets.push({
    name: 'health.check(), 20 checks, one hangs (worst run)',
    measured: `${health.answeredMs.toFixed(2)} ms`,
    threshold: `<= ${health.timeoutMs} + 5 ms`,
    pass: health.answeredMs <= health.timeoutMs + 5,
  });

  progress('11. Redis storage');
  const redis = await redisStorageBench();
  sections.push({ title: `11. ${redis.title}`, notes: redis.notes, table: redis.table });
  targets.push({ name: 'RedisStorage writes, batches of 100', measured: `${Math.round(redis.rollupsPerSecond).toLocaleString('en-US')} rollups/s`, threshold: '>= 50,000 rollups/s', pass: redis.rollupsPerSecond >= 50_000 });

  progress('12. PostgreSQL storage');
  const postgres = await postgresStorageBench();
  sections.push({ title: `12. ${postgres.title}`, notes: postgres.notes, table: postgres.table });
  targets.push({ name: 'PostgresStorage writes, batches of 100', measured: `${Math.round(postgres.rollupsPerSecond).toLocaleString('en-US')} rollups/s`, threshold: '>= 50,000 rollups/s', pass: postgres.rollupsPerSecond >= 50_000 });

  progress('13. Express metricsMiddleware overhead');
  const http = await runHttpMiddlewareBench();
  sections.push({ title: `13. ${http.title}`, notes: http.notes, table: http.table });
  const ratio = (r: number): string => `${r.toFixed(2)}x prom-client's cost`;
  // A cost within two standard errors of zero is the machine's drift outweighing the middleware: no ratio to judge.
  const costs = http.loopbackCostUs;
  const measurable = costs.pulsewatch > 2 * costs.pulsewatchSe && costs.prom > 2 * costs.promSe;
  const loopbackRatio = costs.pulsewatch / costs.prom;
  targets.push({
    name: 'metricsMiddleware cost, req/s under autocannon (loopback)',
    measured: measurable
      ? ratio(loopbackRatio)
      : `not measurable: costs of ${costs.pulsewatch.toFixed(1)} ± ${costs.pulsewatchSe.toFixed(1)} and ${costs.prom.toFixed(1)} ± ${costs.promSe.toFixed(1)} µs/req, within the noise`,
    threshold: '<= 0.5x',
    pass: measurable ? loopbackRatio <= 0.5 : undefined,
  });
  targets.push({ name: 'metricsMiddleware cost, timed inside separate servers under load', measured: ratio(http.inServerRatio), threshold: '<= 0.5x', pass: http.inServerRatio <= 0.5 });
  targets.push({ name: 'metricsMiddleware cost, timed inside one server serving both in turn', measured: ratio(http.interleavedRatio), threshold: '<= 0.5x', pass: http.interleavedRatio <= 0.5 });
  targets.push({ name: 'metricsMiddleware cost, in process', measured: ratio(http.inProcessRatio), threshold: '<= 0.5x', pass: http.inProcessRatio <= 0.5 });

  sections.unshift({ title: 'Targets', notes: [], table: targetsTable(targets) });
  const elapsed = (performance.now() - started) / 1000;
  process.stdout.write(`${renderText(sections)}\n`);
  const doc = writePerformanceDoc(machine, renderMarkdown(sections), elapsed);
  progress(`done in ${elapsed.toFixed(0)} s; wrote ${doc}; checksum ${checksumValue().toFixed(3)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
