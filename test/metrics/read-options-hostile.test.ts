/**
 * (await monitor.snapshot(v)) and exportPrometheusMetrics(v) never throw into the caller outside strict
 * mode for options that throw when read (a throwing or revoked Proxy, a throwing getter): the
 * filter is ignored and the failure reported as an invalid value. A bad `format` string is
 * still the documented ConfigError.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError, isValidationError } from '../../src/core/errors.js';
import { createMonitor, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function setup(strict = false) {
  const monitor = createMonitor({ service: 's', clock: new ManualClock(), strict });
  monitors.push(monitor);
  const errors: unknown[] = [];
  monitor.on('error', (e) => errors.push(e));
  monitor.histogram({ name: 'h_seconds', help: 'h' }).observe(1);
  return { monitor, errors };
}

const throwing = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('get');
      },
      ownKeys() {
        throw new Error('ownKeys');
      },
      has() {
        throw new Error('has');
      },
      getPrototypeOf() {
        throw new Error('proto');
      },
    },
  );
const revoked = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const getterThrows = () => ({
  get names(): string[] {
    throw new Error('getter');
  },
});

/** Each hostile input, where it is passed, and whether reading it throws (Array.isArray only traps on a revoked Proxy). */
const cases: [string, string, () => unknown, number][] = [
  ['a throwing Proxy', 'options', throwing, 1],
  ['a revoked Proxy', 'options', revoked, 1],
  ['a throwing getter', 'options', getterThrows, 1],
  ['a throwing Proxy', 'options.names', () => ({ names: throwing() }), 0],
  ['a revoked Proxy', 'options.names', () => ({ names: revoked() }), 1],
];

describe('snapshot() and exportPrometheusMetrics() with options that throw when read', () => {
  for (const [what, where, make, reported] of cases) {
    it(`snapshot() with ${what} as ${where}: ignores or empties the filter, reports ${reported} error(s)`, async () => {
      const { monitor, errors } = setup();
      const snapshot = await monitor.snapshot(make() as never);
      // Options that cannot be read at all may have held a tenant filter: the snapshot fails closed (no series).
      expect(snapshot.performance.snapshot.map((s) => s.name)).toEqual(where === 'options' && what !== 'a throwing getter' ? [] : ['h_seconds']);
      expect(errors.map((e) => isValidationError(e) && /^snapshot: options could not be read/.test(e.message))).toEqual(Array(reported).fill(true));
    });

    it(`exportPrometheusMetrics() with ${what} as ${where}: exports every metric, reports ${reported} error(s)`, () => {
      const { monitor, errors } = setup();
      const text = monitor.exportPrometheusMetrics(make() as never);
      expect(text).toMatch(/^h_seconds_count 1$/m);
      expect(errors.map((e) => isValidationError(e) && /^exportPrometheusMetrics: options could not be read/.test(e.message))).toEqual(Array(reported).fill(true));
    });
  }

  it('reports the failure as an invalid value (counted), once per call', async () => {
    const { monitor, errors } = setup();
    await monitor.snapshot(revoked() as never);
    monitor.exportPrometheusMetrics(revoked() as never);
    expect(errors).toHaveLength(2);
    expect(monitor.exportPrometheusMetrics()).toMatch(/^pulsewatch_dropped_total\{reason="invalid_value"\} 2$/m);
  });

  it('rejects with the ValidationError in strict mode (snapshot() returns a promise)', async () => {
    const { monitor } = setup(true);
    await expect(monitor.snapshot(revoked() as never)).rejects.toThrow(/options could not be read/);
  });

  it('keeps the documented ConfigError for a bad format, without reading a hostile one', () => {
    const { monitor } = setup();
    const bad = (format: unknown) => {
      try {
        monitor.exportPrometheusMetrics({ format } as never);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(isConfigError(bad('json'))).toBe(true);
    expect((bad('json') as Error).message).toMatch(/got "json"$/);
    expect((bad(throwing()) as Error).message).toMatch(/got a value of type object$/);
    expect(isConfigError(bad(revoked()))).toBe(true);
  });
});
