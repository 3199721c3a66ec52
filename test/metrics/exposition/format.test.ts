import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  createMonitor,
  type ExpositionFormat,
} from '../../../src/index.js';
import { escapeLabelValue, escapePrometheusHelp, formatBound } from '../../../src/metrics/exposition/format.js';
import { ManualClock } from '../../../src/testing.js';
import { bucketsOf, parseSamples } from './parse-exposition.js';

function setup() {
  return createMonitor({ clock: new ManualClock() });
}

describe('choosing a format', () => {
  it('rejects an unknown format with a ConfigError naming it', () => {
    const monitor = setup();
    const bad = { format: 'json' as unknown as ExpositionFormat };
    expect(() => monitor.exportPrometheusMetrics(bad)).toThrow(ConfigError);
    expect(() => monitor.exportPrometheusMetrics(bad)).toThrow('format must be "prometheus" or "openmetrics", got "json"');
  });

  it('writes the Prometheus text format 0.0.4 by default', () => {
    const monitor = setup();
    expect(monitor.exportPrometheusMetrics()).toBe(monitor.exportPrometheusMetrics({ format: 'prometheus' }));
  });
});

describe('content types', () => {
  it('exports the exact Content-Type of the Prometheus text format 0.0.4', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('exports the exact Content-Type of OpenMetrics 1.0', () => {
    expect(OPENMETRICS_CONTENT_TYPE).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });
});

describe('label value escaping', () => {
  it('leaves plain values untouched', () => {
    expect(escapeLabelValue('GET /users/:id')).toBe('GET /users/:id');
  });

  it('escapes backslashes, double quotes and line feeds', () => {
    expect(escapeLabelValue('C:\\dir')).toBe('C:\\\\dir');
    expect(escapeLabelValue('say "hi"')).toBe('say \\"hi\\"');
    expect(escapeLabelValue('two\nlines')).toBe('two\\nlines');
    expect(escapeLabelValue('\\"\n')).toBe('\\\\\\"\\n');
  });

  it('escapes a backslash before a quote so the pair cannot be misread', () => {
    // `\"` in the input must become `\\\"`, not `\\"` (which would end the value).
    expect(escapeLabelValue('a\\"b')).toBe('a\\\\\\"b');
  });

  it('keeps unicode as UTF-8 rather than escaping it', () => {
    expect(escapeLabelValue('café 🚀 日本')).toBe('café 🚀 日本');
  });

  it('leaves carriage returns and tabs as they are (only \\, " and line feed are escaped)', () => {
    expect(escapeLabelValue('a\tb\rc')).toBe('a\tb\rc');
  });
});

describe('HELP escaping', () => {
  it('escapes only backslash and line feed in the Prometheus format', () => {
    expect(escapePrometheusHelp('Latency of "GET" in C:\\temp\nper route')).toBe('Latency of "GET" in C:\\\\temp\\nper route');
  });

  it('leaves plain help untouched', () => {
    expect(escapePrometheusHelp('Requests served')).toBe('Requests served');
  });

  it('differs between the formats only in double quotes', () => {
    const monitor = setup();
    monitor.gauge({ name: 'quoted', help: 'a "b" \\ c\nd' });
    const prom = monitor.exportPrometheusMetrics({ format: 'prometheus' });
    const om = monitor.exportPrometheusMetrics({ format: 'openmetrics' });
    expect(prom).toContain('# HELP quoted a "b" \\\\ c\\nd\n');
    expect(om).toContain('# HELP quoted a \\"b\\" \\\\ c\\nd\n');
  });
});

describe('canonical bucket bounds (le)', () => {
  it.each([
    [0.005, '0.005'],
    [0.25, '0.25'],
    [1, '1.0'],
    [10, '10.0'],
    [100000, '100000.0'],
    [1e6, '1e+06'],
    [1234567.5, '1.2345675e+06'],
    [1e21, '1e+21'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [0, '0.0'],
    [Infinity, '+Inf'],
  ])('writes %s as %s', (value, text) => {
    expect(formatBound(value)).toBe(text);
  });

  it('writes the default seconds buckets canonically in both formats', () => {
    const monitor = setup();
    monitor.histogram({ name: 'op_duration_seconds', help: 'x', unit: 'seconds' }).observe(0.2);
    const expected = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.5', '5.0', '10.0', '+Inf'];
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = monitor.exportPrometheusMetrics({ format });
      expect(bucketsOf(text, 'op_duration_seconds').map((b) => b.le)).toEqual(expected);
    }
  });

  it('writes large custom bounds with an exponent', () => {
    const monitor = setup();
    monitor.histogram({ name: 'payload_bytes', help: 'x', buckets: [1000, 100000, 1e6, 1e9] }).observe(5);
    const les = bucketsOf(monitor.exportPrometheusMetrics(), 'payload_bytes').map((b) => b.le);
    expect(les).toEqual(['1000.0', '100000.0', '1e+06', '1e+09', '+Inf']);
  });
});

describe('sample values', () => {
  it('writes integers without a decimal point and fractions as shortest decimals', () => {
    const monitor = setup();
    const c = monitor.counter({ name: 'work_total', help: 'x', labelNames: ['kind'] });
    c.inc({ kind: 'int' }, 42);
    c.inc({ kind: 'frac' }, 0.1);
    c.inc({ kind: 'frac' }, 0.2);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('work_total{kind="int"} 42\n');
    expect(text).toContain(`work_total{kind="frac"} ${0.1 + 0.2}\n`);
  });

  it('writes +Inf and -Inf gauge values as both formats spell them', () => {
    const monitor = setup();
    const g = monitor.gauge({ name: 'limit', help: 'x', labelNames: ['side'] });
    g.set(Infinity, { side: 'upper' });
    g.set(-Infinity, { side: 'lower' });
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = monitor.exportPrometheusMetrics({ format });
      expect(text).toContain('limit{side="upper"} +Inf\n');
      expect(text).toContain('limit{side="lower"} -Inf\n');
    }
  });

  it('never writes NaN for a gauge: a NaN value is dropped and reported, and the last value stays', () => {
    const monitor = setup();
    const errors: unknown[] = [];
    monitor.on('error', (e) => errors.push(e));
    const g = monitor.gauge({ name: 'ratio', help: 'x' });
    g.set(0.5);
    g.set(Number.NaN);
    expect(errors).toHaveLength(1);
    expect(monitor.exportPrometheusMetrics()).toContain('\nratio 0.5\n');
  });

  it('writes values every parser reads back exactly', () => {
    const monitor = setup();
    const g = monitor.gauge({ name: 'reading', help: 'x', labelNames: ['i'] });
    const values = [0, -0, 1, -1, 0.1, 1e-7, 123456789.123, 1e21, -2.5e-300, Number.MAX_VALUE, Number.MIN_VALUE];
    values.forEach((v, i) => g.set(v, { i: String(i) }));
    const read = parseSamples(monitor.exportPrometheusMetrics()).filter((s) => s.name === 'reading');
    expect(read.map((s) => s.value)).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
  });
});
