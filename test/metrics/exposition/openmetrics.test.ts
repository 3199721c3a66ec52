import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing.js';
import { bucketsOf, metadataOf, parseSamples, samplesOf, valueOf } from './parse-exposition.js';

function setup() {
  return createMonitor({ clock: new ManualClock() });
}

const om = (monitor: ReturnType<typeof setup>) => monitor.exportPrometheusMetrics({ format: 'openmetrics' });

describe('OpenMetrics 1.0: document', () => {
  it('ends with exactly one "# EOF" line and a line feed', () => {
    const monitor = setup();
    monitor.counter({ name: 'a_total', help: 'x' }).inc();
    const text = om(monitor);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.split('\n').filter((l) => l === '# EOF')).toHaveLength(1);
  });

  it('has no comment lines other than TYPE, UNIT, HELP and EOF, no blank lines and no carriage returns', () => {
    const monitor = setup();
    monitor.histogram({ name: 'op_duration_seconds', help: 'x', unit: 'seconds', labelNames: ['op'] }).observe(0.1, { op: 'a' });
    monitor.gauge({ name: 'silent' }).set(1);
    const lines = om(monitor).slice(0, -1).split('\n');
    expect(lines.filter((line) => line === '')).toEqual([]);
    const comments = lines.filter((line) => line.startsWith('#'));
    expect(comments.length).toBeGreaterThan(0);
    for (const line of comments) expect(line).toMatch(/^# (TYPE|UNIT|HELP) [a-zA-Z_:][a-zA-Z0-9_:]* |^# EOF$/);
    expect(om(monitor)).not.toContain('\r');
  });

  it('orders metadata TYPE, UNIT, HELP before the samples', () => {
    const monitor = setup();
    monitor.gauge({ name: 'disk_free_bytes', help: 'Free space', unit: 'bytes' }).set(10);
    expect(om(monitor)).toContain('# TYPE disk_free_bytes gauge\n# UNIT disk_free_bytes bytes\n# HELP disk_free_bytes Free space\ndisk_free_bytes 10\n');
  });

  it('omits an empty HELP (empty means absent)', () => {
    const monitor = setup();
    monitor.gauge({ name: 'silent' }).set(1);
    expect(om(monitor)).toContain('# TYPE silent gauge\nsilent 1\n');
  });
});

describe('OpenMetrics 1.0: HELP', () => {
  it('escapes backslash, double quote and line feed, as in label values', () => {
    const monitor = setup();
    monitor.counter({ name: 'jobs_total', help: 'Jobs "done"\nsee C:\\jobs' });
    const text = om(monitor);
    expect(text).toContain('# HELP jobs Jobs \\"done\\"\\nsee C:\\\\jobs\n');
    expect(metadataOf(text, 'jobs', 'openmetrics').help).toBe('Jobs "done"\nsee C:\\jobs');
  });
});

describe('OpenMetrics 1.0: counters', () => {
  it('names the family without _total and the sample with it', () => {
    const monitor = setup();
    monitor.counter({ name: 'http_requests_total', help: 'Requests', labelNames: ['code'] }).inc({ code: '200' });
    const text = om(monitor);
    expect(text).toContain('# TYPE http_requests counter\n# HELP http_requests Requests\nhttp_requests_total{code="200"} 1\n');
    expect(text).not.toContain('# TYPE http_requests_total');
  });

  it('adds _total to the sample of a counter defined without it', () => {
    const monitor = setup();
    monitor.counter({ name: 'legacy_events', help: 'x' }).inc(3);
    const text = om(monitor);
    expect(text).toContain('# TYPE legacy_events counter\n');
    expect(valueOf(text, 'legacy_events_total')).toBe(3);
    expect(samplesOf(text, 'legacy_events')).toEqual([]);
  });

  it('exposes an unlabeled counter that never counted as 0', () => {
    const monitor = setup();
    monitor.counter({ name: 'never_total', help: 'x' });
    expect(valueOf(om(monitor), 'never_total')).toBe(0);
  });

  it('writes the UNIT of a counter against the family name, before _total', () => {
    const monitor = setup();
    monitor.counter({ name: 'sent_bytes_total', help: 'x', unit: 'bytes' }).inc(512);
    const text = om(monitor);
    expect(text).toContain('# TYPE sent_bytes counter\n# UNIT sent_bytes bytes\n');
    expect(valueOf(text, 'sent_bytes_total')).toBe(512);
  });
});

describe('OpenMetrics 1.0: UNIT', () => {
  it('writes UNIT only for metrics defined with a unit', () => {
    const monitor = setup();
    // Named like a unit but defined without one: no UNIT line.
    monitor.histogram({ name: 'implicit_seconds', help: 'x' });
    monitor.histogram({ name: 'explicit_seconds', help: 'x', unit: 'seconds' });
    const text = om(monitor);
    expect(metadataOf(text, 'implicit_seconds', 'openmetrics').unit).toBeUndefined();
    expect(metadataOf(text, 'explicit_seconds', 'openmetrics').unit).toBe('seconds');
  });

  it('only ever writes a UNIT that is the suffix of its family name', () => {
    const monitor = setup();
    monitor.gauge({ name: 'temperature_celsius', help: 'x', unit: 'celsius' }).set(21);
    monitor.counter({ name: 'energy_joules_total', help: 'x', unit: 'joules' }).inc();
    monitor.histogram({ name: 'rpc_duration_seconds', help: 'x', unit: 'seconds' });
    const units = om(monitor)
      .split('\n')
      .filter((line) => line.startsWith('# UNIT '));
    // The three declared here are written (a counter's family drops `_total`), and every UNIT
    // written, ours or the monitor's own, is its family's suffix.
    expect(units).toEqual(expect.arrayContaining(['# UNIT temperature_celsius celsius', '# UNIT energy_joules joules', '# UNIT rpc_duration_seconds seconds']));
    for (const line of units) expect(line, line).toMatch(/^# UNIT (\S+)_(\S+) \2$/);
  });
});

describe('OpenMetrics 1.0: label values', () => {
  it('escapes them exactly as the Prometheus format does, keeping unicode as UTF-8', () => {
    const monitor = setup();
    const c = monitor.counter({ name: 'tricky_total', help: 'x', labelNames: ['v'] });
    const values = ['say "hi"', 'C:\\path\\', 'two\nlines', 'café 🚀'];
    for (const v of values) c.inc({ v });
    const text = om(monitor);
    expect(samplesOf(text, 'tricky_total').map((s) => s.labels['v'])).toEqual(values);
    const promLines = monitor.exportPrometheusMetrics().split('\n').filter((l) => l.startsWith('tricky_total{'));
    const omLines = text.split('\n').filter((l) => l.startsWith('tricky_total{'));
    expect(omLines).toEqual(promLines);
  });
});

describe('OpenMetrics 1.0: histograms', () => {
  it('writes canonical le values, integer cumulative buckets, +Inf equal to _count, and _sum', () => {
    const monitor = setup();
    const h = monitor.histogram({ name: 'payload_bytes', help: 'x', unit: 'bytes', buckets: [0.5, 1, 10, 1e6] });
    for (const v of [0.25, 1, 1, 9.5, 20, 2e6]) h.observe(v);
    const text = om(monitor);
    expect(bucketsOf(text, 'payload_bytes')).toEqual([
      { le: '0.5', count: 1 },
      { le: '1.0', count: 3 },
      { le: '10.0', count: 4 },
      { le: '1e+06', count: 5 },
      { le: '+Inf', count: 6 },
    ]);
    for (const s of samplesOf(text, 'payload_bytes_bucket')) expect(s.rawValue).toMatch(/^\d+$/);
    expect(samplesOf(text, 'payload_bytes_count')[0]!.rawValue).toBe('6');
    expect(valueOf(text, 'payload_bytes_sum')).toBe(0.25 + 1 + 1 + 9.5 + 20 + 2e6);
  });

  it('writes no le label on the family and only _bucket, _sum and _count samples', () => {
    const monitor = setup();
    monitor.histogram({ name: 'op_duration_seconds', help: 'x', labelNames: ['op'], unit: 'seconds' }).observe(1, { op: 'a' });
    const samples = parseSamples(om(monitor)).filter((s) => s.name.startsWith('op_duration_seconds'));
    expect(new Set(samples.map((s) => s.name))).toEqual(new Set(['op_duration_seconds_bucket', 'op_duration_seconds_sum', 'op_duration_seconds_count']));
    for (const s of samples) expect('le' in s.labels).toBe(s.name === 'op_duration_seconds_bucket');
  });
});

describe('OpenMetrics 1.0: gauges', () => {
  it('writes +Inf and -Inf values', () => {
    const monitor = setup();
    const g = monitor.gauge({ name: 'limit', help: 'x', labelNames: ['side'] });
    g.set(Infinity, { side: 'upper' });
    g.set(-Infinity, { side: 'lower' });
    const text = om(monitor);
    expect(valueOf(text, 'limit', { side: 'upper' })).toBe(Infinity);
    expect(valueOf(text, 'limit', { side: 'lower' })).toBe(-Infinity);
  });
});
