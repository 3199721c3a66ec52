import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError, createMonitor, isConfigError, type PulsewatchError } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function setup() {
  const monitor = createMonitor({ clock: new ManualClock() });
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return { monitor, errors };
}

/** Runs `define` and returns the ConfigError it throws (failing the test if it throws nothing else). */
function configErrorOf(define: () => unknown): ConfigError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isConfigError(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('metric names', () => {
  it.each(['', '1st_metric', 'http-requests', 'http.requests', 'with space', 'café', 'a/b', 'x{y}'])('rejects %j with a ConfigError quoting the name and the rule', (name) => {
    const { monitor } = setup();
    const error = configErrorOf(() => monitor.counter({ name }));
    expect(error.message).toContain(`invalid metric name ${JSON.stringify(name)}`);
    expect(error.message).toContain('[a-zA-Z_:][a-zA-Z0-9_:]*');
  });

  it('rejects names starting with "__" as reserved', () => {
    const { monitor } = setup();
    expect(configErrorOf(() => monitor.gauge({ name: '__internal' })).message).toBe('invalid metric name "__internal": names starting with "__" are reserved');
  });

  it('rejects a counter named just "_total", whose OpenMetrics family name would be empty', () => {
    const { monitor } = setup();
    expect(configErrorOf(() => monitor.counter({ name: '_total' })).message).toBe('invalid metric name "_total": a counter needs a name before "_total"');
    expect(() => monitor.gauge({ name: '_total' })).not.toThrow();
  });

  it('rejects a name that is not a string with a ConfigError naming the option', () => {
    const { monitor } = setup();
    const error = configErrorOf(() => monitor.histogram({ name: 42 as unknown as string }));
    expect(error.message).toMatch(/^invalid histogram options: name: /);
  });

  it('accepts colons, underscores and digits after the first character', () => {
    const { monitor } = setup();
    expect(() => monitor.gauge({ name: 'job:requests:rate5m' })).not.toThrow();
    expect(() => monitor.gauge({ name: '_private_2' })).not.toThrow();
    expect(() => monitor.gauge({ name: ':leading_colon' })).not.toThrow();
  });

  it('rejects a bad name for every metric type alike', () => {
    const { monitor } = setup();
    expect(() => monitor.counter({ name: 'a-b' })).toThrow(ConfigError);
    expect(() => monitor.gauge({ name: 'a-b' })).toThrow(ConfigError);
    expect(() => monitor.histogram({ name: 'a-b' })).toThrow(ConfigError);
  });
});

describe('label names', () => {
  it.each(['', '1a', 'a-b', 'a.b', 'a:b', 'é'])('rejects %j with a ConfigError naming the metric and the label', (label) => {
    const { monitor } = setup();
    const error = configErrorOf(() => monitor.counter({ name: 'requests_total', labelNames: [label] }));
    expect(error.message).toBe(`metric "requests_total": invalid label name ${JSON.stringify(label)}; it must match [a-zA-Z_][a-zA-Z0-9_]*, at most 128 characters`);
  });

  it('rejects label names starting with "__" as reserved', () => {
    const { monitor } = setup();
    expect(configErrorOf(() => monitor.gauge({ name: 'g', labelNames: ['__name__'] })).message).toBe('metric "g": label name "__name__" is reserved (starts with "__")');
    expect(() => monitor.histogram({ name: 'h', labelNames: ['__x'] })).toThrow(ConfigError);
  });

  it('rejects a label listed twice', () => {
    const { monitor } = setup();
    expect(configErrorOf(() => monitor.counter({ name: 'c_total', labelNames: ['route', 'method', 'route'] })).message).toBe(
      'metric "c_total": label name "route" is listed twice',
    );
  });

  it('rejects "le" on a histogram, where it is the bucket label', () => {
    const { monitor } = setup();
    expect(configErrorOf(() => monitor.histogram({ name: 'size_bytes', labelNames: ['route', 'le'] })).message).toBe(
      'metric "size_bytes": label name "le" is reserved for this metric type',
    );
  });

  it('rejects labelNames that are not an array of strings', () => {
    const { monitor } = setup();
    expect(() => monitor.counter({ name: 'c_total', labelNames: 'route' as unknown as string[] })).toThrow(/^invalid counter "c_total" options: labelNames: /);
  });
});

describe('units', () => {
  it('rejects a unit the name does not end with', () => {
    const { monitor } = setup();
    expect(configErrorOf(() => monitor.gauge({ name: 'temperature', unit: 'celsius' })).message).toBe(
      'metric "temperature": with unit "celsius" the name must end with "_celsius"',
    );
    expect(() => monitor.histogram({ name: 'latency', unit: 'seconds' })).toThrow(/must end with "_seconds"/);
  });

  it('wants the unit of a counter before _total', () => {
    const { monitor } = setup();
    expect(configErrorOf(() => monitor.counter({ name: 'sent_total', unit: 'bytes' })).message).toBe(
      'metric "sent_total": with unit "bytes" the name must end with "_bytes" (before "_total")',
    );
    expect(() => monitor.counter({ name: 'sent_total_bytes', unit: 'bytes' })).not.toThrow();
    expect(() => monitor.counter({ name: 'received_bytes_total', unit: 'bytes' })).not.toThrow();
  });

  it('wants the unit as a whole word after an underscore', () => {
    const { monitor } = setup();
    expect(() => monitor.gauge({ name: 'uptimeseconds', unit: 'seconds' })).toThrow(ConfigError);
    expect(() => monitor.gauge({ name: 'seconds', unit: 'seconds' })).toThrow(ConfigError);
  });

  it('rejects units with characters a metric name cannot hold', () => {
    const { monitor } = setup();
    expect(() => monitor.gauge({ name: 'x_m/s', unit: 'm/s' })).toThrow(/units are letters, digits and underscores/);
  });
});

describe('sample-name collisions', () => {
  it('refuses a gauge named like a sample of an existing histogram', () => {
    const { monitor } = setup();
    monitor.histogram({ name: 'foo' });
    for (const suffix of ['_count', '_sum', '_bucket', '_created']) {
      expect(configErrorOf(() => monitor.gauge({ name: `foo${suffix}` })).message).toBe(
        `metric "foo${suffix}" would expose "foo${suffix}", which metric "foo" already exposes`,
      );
    }
  });

  it('refuses a histogram whose samples an existing gauge already uses', () => {
    const { monitor } = setup();
    monitor.gauge({ name: 'foo_count' });
    expect(configErrorOf(() => monitor.histogram({ name: 'foo' })).message).toBe('metric "foo" would expose "foo_count", which metric "foo_count" already exposes');
  });

  it('treats a counter with and without _total as the same family', () => {
    const { monitor } = setup();
    monitor.counter({ name: 'events_total' });
    expect(configErrorOf(() => monitor.counter({ name: 'events' })).message).toBe('metric "events" would expose "events", which metric "events_total" already exposes');
  });

  it('refuses a gauge named like a counter family or its _total and _created samples', () => {
    const { monitor } = setup();
    monitor.counter({ name: 'jobs_total' });
    for (const name of ['jobs', 'jobs_total', 'jobs_created']) expect(() => monitor.gauge({ name }), name).toThrow(ConfigError);
  });

  it('refuses a counter whose _total sample a gauge already uses', () => {
    const { monitor } = setup();
    monitor.gauge({ name: 'queue_total' });
    expect(() => monitor.counter({ name: 'queue' })).toThrow(/would expose "queue_total"/);
  });

  it('refuses a counter named like a histogram sample', () => {
    const { monitor } = setup();
    monitor.histogram({ name: 'rpc_seconds' });
    expect(() => monitor.counter({ name: 'rpc_seconds_count_total' })).toThrow(/would expose "rpc_seconds_count"/);
  });

  it('refuses the names of the monitor self-metrics', () => {
    const { monitor } = setup();
    expect(() => monitor.gauge({ name: 'pulsewatch_dropped_total' })).toThrow(/already defined as a counter/);
    expect(() => monitor.gauge({ name: 'pulsewatch_dropped' })).toThrow(/would expose "pulsewatch_dropped"/);
  });

  it('leaves the registry unchanged after a refused definition', () => {
    const { monitor } = setup();
    monitor.histogram({ name: 'foo' });
    expect(() => monitor.gauge({ name: 'foo_sum', help: 'first' })).toThrow(ConfigError);
    expect(monitor.getMetric('foo_sum')).toBeUndefined();
    expect(monitor.exportPrometheusMetrics()).not.toContain('# TYPE foo_sum');
    expect(() => monitor.gauge({ name: 'bar' })).not.toThrow();
  });

  it('reports (not throws) a recordMetric whose metricType collides with a defined metric', () => {
    const { monitor, errors } = setup();
    monitor.gauge({ name: 'api_latency_count' });
    expect(() => monitor.recordMetric({ metricType: 'api_latency', value: 5 })).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ValidationError);
    expect(errors[0]!.message).toContain('would expose "api_latency_count"');
    expect(monitor.getMetric('api_latency')).toBeUndefined();
  });
});

describe('defining a metric again', () => {
  it('returns the same counter, gauge or histogram for an identical definition', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'requests_total', help: 'Requests', labelNames: ['route'] });
    expect(monitor.counter({ name: 'requests_total', help: 'Requests', labelNames: ['route'] })).toBe(c);
    const g = monitor.gauge({ name: 'depth', help: 'Depth', unit: undefined });
    expect(monitor.gauge({ name: 'depth', help: 'Depth' })).toBe(g);
    const h = monitor.histogram({ name: 'op_duration_seconds', help: 'x', unit: 'seconds', buckets: [0.1, 1] });
    expect(monitor.histogram({ name: 'op_duration_seconds', help: 'x', unit: 'seconds', buckets: [0.1, 1] })).toBe(h);
  });

  it('treats defaults and explicit default values as the same definition', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'a_total' });
    expect(monitor.counter({ name: 'a_total', help: '', labelNames: [] })).toBe(c);
    const h = monitor.histogram({ name: 'b_seconds', unit: 'seconds' });
    expect(monitor.histogram({ name: 'b_seconds', unit: 'seconds', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] })).toBe(h);
    const r = monitor.histogram({ name: 'c', resolution: 0.001 });
    expect(monitor.histogram({ name: 'c' })).toBe(r);
    // The monitor's limits.maxSeriesPerMetric (default 1000) is the default maxSeries.
    const d = monitor.counter({ name: 'd_total' });
    expect(monitor.counter({ name: 'd_total', maxSeries: 1000 })).toBe(d);
    expect(() => monitor.counter({ name: 'd_total', maxSeries: 10 })).toThrow(/different definition/);
  });

  it('does not depend on the order the options are written in', () => {
    const { monitor } = setup();
    const h = monitor.histogram({ name: 'e_seconds', help: 'x', buckets: [1, 2], labelNames: ['a'], unit: 'seconds' });
    expect(monitor.histogram({ unit: 'seconds', labelNames: ['a'], buckets: [1, 2], help: 'x', name: 'e_seconds' })).toBe(h);
  });

  it('returns the same gauge when only the collect callback differs (a reloaded module makes a new one)', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'heap_bytes', collect: () => 1 });
    expect(monitor.gauge({ name: 'heap_bytes', collect: () => 2 })).toBe(g);
  });

  it('keeps the recorded values of the existing metric', () => {
    const { monitor } = setup();
    monitor.counter({ name: 'hits_total' }).inc(5);
    monitor.counter({ name: 'hits_total' }).inc(2);
    expect(monitor.exportPrometheusMetrics()).toContain('\nhits_total 7\n');
  });

  it.each([
    ['help', { help: 'Requests' }, { help: 'Requests served' }],
    ['label names', { labelNames: ['route'] }, { labelNames: ['route', 'method'] }],
    ['label order', { labelNames: ['route', 'method'] }, { labelNames: ['method', 'route'] }],
    ['unit', {}, { unit: 'seconds' }],
  ])('throws a ConfigError when the %s differ', (_, first, second) => {
    const { monitor } = setup();
    monitor.counter({ name: 'x_seconds', ...first });
    expect(configErrorOf(() => monitor.counter({ name: 'x_seconds', ...second })).message).toBe(
      'metric "x_seconds" is already defined as a counter with a different definition',
    );
  });

  it('throws a ConfigError when the kind differs', () => {
    const { monitor } = setup();
    monitor.counter({ name: 'thing' });
    expect(configErrorOf(() => monitor.gauge({ name: 'thing' })).message).toBe('metric "thing" is already defined as a counter with a different definition');
    expect(() => monitor.histogram({ name: 'thing' })).toThrow(/already defined as a counter/);
  });

  it('throws a ConfigError when histogram buckets differ', () => {
    const { monitor } = setup();
    monitor.histogram({ name: 'size_bytes', buckets: [1, 10] });
    expect(() => monitor.histogram({ name: 'size_bytes', buckets: [1, 100] })).toThrow(/already defined as a histogram with a different definition/);
  });
});
