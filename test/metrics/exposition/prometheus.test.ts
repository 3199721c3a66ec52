import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing.js';
import { bucketsOf, metadataOf, parseSamples, samplesOf, valueOf } from './parse-exposition.js';

function setup() {
  return createMonitor({ clock: new ManualClock() });
}

const prom = (monitor: ReturnType<typeof setup>) => monitor.exportPrometheusMetrics({ format: 'prometheus' });

describe('Prometheus text format 0.0.4: document', () => {
  it('ends with a line feed and has no OpenMetrics-only lines', () => {
    const monitor = setup();
    monitor.histogram({ name: 'op_duration_seconds', help: 'x', unit: 'seconds' }).observe(0.1);
    const text = prom(monitor);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
    expect(text).not.toContain('# EOF');
    expect(text).not.toContain('# UNIT');
    expect(text).not.toContain('\r');
  });

  it('writes HELP then TYPE before the samples of each family, every family once', () => {
    const monitor = setup();
    monitor.counter({ name: 'a_total', help: 'A', labelNames: ['x'] }).inc({ x: '1' });
    monitor.gauge({ name: 'b', help: 'B' }).set(2);
    const lines = prom(monitor).split('\n');
    const at = (line: string) => lines.indexOf(line);
    expect(at('# HELP a_total A')).toBeLessThan(at('# TYPE a_total counter'));
    expect(at('# TYPE a_total counter')).toBeLessThan(at('a_total{x="1"} 1'));
    expect(at('# HELP b B')).toBeLessThan(at('# TYPE b gauge'));
    expect(at('# TYPE b gauge')).toBeLessThan(at('b 2'));
    expect(lines.filter((l) => l.startsWith('# TYPE a_total ')).length).toBe(1);
  });

  it('omits HELP for a metric defined without help but keeps TYPE', () => {
    const monitor = setup();
    monitor.gauge({ name: 'silent' }).set(1);
    const text = prom(monitor);
    expect(text).not.toContain('# HELP silent');
    expect(text).toContain('# TYPE silent gauge\nsilent 1\n');
  });
});

describe('Prometheus text format 0.0.4: HELP', () => {
  it('escapes backslash and line feed and leaves double quotes as they are', () => {
    const monitor = setup();
    monitor.counter({ name: 'jobs_total', help: 'Jobs "done"\nsee C:\\jobs' });
    const text = prom(monitor);
    expect(text).toContain('# HELP jobs_total Jobs "done"\\nsee C:\\\\jobs\n');
    expect(metadataOf(text, 'jobs_total', 'prometheus').help).toBe('Jobs "done"\nsee C:\\jobs');
  });
});

describe('Prometheus text format 0.0.4: counters', () => {
  it('keeps the name as given, with or without _total', () => {
    const monitor = setup();
    monitor.counter({ name: 'http_requests_total', help: 'x' }).inc();
    monitor.counter({ name: 'legacy_events', help: 'x' }).inc(2);
    const text = prom(monitor);
    expect(text).toContain('# TYPE http_requests_total counter\nhttp_requests_total 1\n');
    expect(text).toContain('# TYPE legacy_events counter\nlegacy_events 2\n');
  });

  it('exposes an unlabeled counter that never counted as 0', () => {
    const monitor = setup();
    monitor.counter({ name: 'never_total', help: 'x' });
    expect(valueOf(prom(monitor), 'never_total')).toBe(0);
  });

  it('exposes no sample for a labeled counter that never counted', () => {
    const monitor = setup();
    monitor.counter({ name: 'by_route_total', help: 'x', labelNames: ['route'] });
    const text = prom(monitor);
    expect(text).toContain('# TYPE by_route_total counter\n');
    expect(samplesOf(text, 'by_route_total')).toEqual([]);
  });
});

describe('Prometheus text format 0.0.4: label values', () => {
  it('escapes quotes, backslashes and line feeds so the value reads back exactly', () => {
    const monitor = setup();
    const c = monitor.counter({ name: 'tricky_total', help: 'x', labelNames: ['v'] });
    const values = ['say "hi"', 'C:\\path\\', 'two\nlines', '\\"', '\\n', 'a}b,c="d"', ''];
    for (const v of values) c.inc({ v });
    const read = samplesOf(prom(monitor), 'tricky_total').map((s) => s.labels['v']);
    expect(read).toEqual(values);
    expect(prom(monitor)).toContain('tricky_total{v="say \\"hi\\""} 1\n');
    expect(prom(monitor)).toContain('tricky_total{v="C:\\\\path\\\\"} 1\n');
    expect(prom(monitor)).toContain('tricky_total{v="two\\nlines"} 1\n');
  });

  it('keeps unicode as raw UTF-8', () => {
    const monitor = setup();
    monitor.counter({ name: 'greetings_total', help: 'x', labelNames: ['lang'] }).inc({ lang: 'français 日本語 🚀' });
    const text = prom(monitor);
    expect(text).toContain('greetings_total{lang="français 日本語 🚀"} 1\n');
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });

  it('writes labels in the order the metric declares them', () => {
    const monitor = setup();
    monitor.counter({ name: 'ordered_total', help: 'x', labelNames: ['z', 'a', 'm'] }).inc({ a: '1', m: '2', z: '3' });
    expect(prom(monitor)).toContain('ordered_total{z="3",a="1",m="2"} 1\n');
  });
});

describe('Prometheus text format 0.0.4: histograms', () => {
  it('writes cumulative buckets in increasing le, +Inf equal to _count, then _sum and _count', () => {
    const monitor = setup();
    const h = monitor.histogram({ name: 'op_duration_seconds', help: 'x', labelNames: ['op'], unit: 'seconds' });
    for (const v of [0.001, 0.02, 0.02, 0.3, 0.7, 4, 12]) h.observe(v, { op: 'read' });
    const text = prom(monitor);
    const buckets = bucketsOf(text, 'op_duration_seconds', { op: 'read' });
    expect(buckets).toEqual([
      { le: '0.005', count: 1 },
      { le: '0.01', count: 1 },
      { le: '0.025', count: 3 },
      { le: '0.05', count: 3 },
      { le: '0.1', count: 3 },
      { le: '0.25', count: 3 },
      { le: '0.5', count: 4 },
      { le: '1.0', count: 5 },
      { le: '2.5', count: 5 },
      { le: '5.0', count: 6 },
      { le: '10.0', count: 6 },
      { le: '+Inf', count: 7 },
    ]);
    expect(valueOf(text, 'op_duration_seconds_count', { op: 'read' })).toBe(7);
    expect(valueOf(text, 'op_duration_seconds_sum', { op: 'read' })).toBeCloseTo(0.001 + 0.02 + 0.02 + 0.3 + 0.7 + 4 + 12, 10);
    // Order within the series: every bucket, then _sum, then _count.
    const order = parseSamples(text)
      .filter((s) => s.name.startsWith('op_duration_seconds'))
      .map((s) => s.name);
    expect(order).toEqual([...Array(12).fill('op_duration_seconds_bucket'), 'op_duration_seconds_sum', 'op_duration_seconds_count']);
  });

  it('puts le after the series labels, escaped like any other label', () => {
    const monitor = setup();
    monitor.histogram({ name: 'size', help: 'x', labelNames: ['path'], buckets: [1] }).observe(1, { path: '"q"\\' });
    expect(prom(monitor)).toContain('size_bucket{path="\\"q\\"\\\\",le="1.0"} 1\n');
  });

  it('exposes an unlabeled histogram that never observed with zero buckets, sum and count', () => {
    const monitor = setup();
    monitor.histogram({ name: 'idle', help: 'x', buckets: [1, 2] });
    const text = prom(monitor);
    expect(bucketsOf(text, 'idle')).toEqual([
      { le: '1.0', count: 0 },
      { le: '2.0', count: 0 },
      { le: '+Inf', count: 0 },
    ]);
    expect(valueOf(text, 'idle_sum')).toBe(0);
    expect(valueOf(text, 'idle_count')).toBe(0);
  });
});

describe('Prometheus text format 0.0.4: units', () => {
  it('writes no UNIT line even when the metric has a unit', () => {
    const monitor = setup();
    monitor.gauge({ name: 'disk_free_bytes', help: 'x', unit: 'bytes' }).set(1);
    const text = prom(monitor);
    expect(metadataOf(text, 'disk_free_bytes', 'prometheus')).toEqual({ type: 'gauge', help: 'x' });
  });
});
