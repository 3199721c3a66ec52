/**
 * Properties of the configuration calls for any input a JavaScript caller can pass:
 * - `parseDuration` never throws and answers undefined or a finite number >= 0;
 * - `createMonitor` with any duration option throws only a PulsewatchError with a code, and a
 *   monitor it creates holds finite durations (longer than 2^31-1 ms is fine: systemClock re-arms);
 * - `monitor.alerts.createRule` never throws synchronously, settles with a rule or a
 *   PulsewatchError with a code, keeps every `alertLabels` key it was given (`__proto__`
 *   included), and leaves an engine whose evaluation resolves;
 * - `monitor.health.register` throws only a PulsewatchError with a code, and `check()` resolves
 *   with a status whatever a check returns, throws or rejects with.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMonitor, isPulsewatchError } from '../../src/index.js';
import { parseDuration } from '../../src/core/duration.js';
import { ManualClock } from '../../src/testing.js';
import { fcParams } from '../helpers/fast-check.js';
import { durationInput, hostileString, hostileValue, labelName, plainHostileValue, real, trapObject } from './arbitraries.js';
import { expectPulsewatchErrors, propertyMonitor } from './support.js';

/** Fails unless `error` is a PulsewatchError with a string code. */
function expectCodedError(what: string, error: unknown): void {
  const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  expect(isPulsewatchError(error), `${what} threw a non-PulsewatchError: ${shown}`).toBe(true);
  expect(typeof (error as { code?: unknown }).code, `${what}: error without a code`).toBe('string');
}

describe('property: durations', () => {
  it('parseDuration never throws and answers undefined or a finite number >= 0', () => {
    fc.assert(
      fc.property(durationInput, (input) => {
        const ms = parseDuration(real(input));
        expect(ms === undefined || (Number.isFinite(ms) && ms >= 0), `parseDuration(${fc.stringify(input)}) = ${ms}`).toBe(true);
      }),
      fcParams(2_000),
    );
  });

  const monitorDurations = async (durations: fc.Arbitrary<unknown>): Promise<void> => {
    await fc.assert(
      fc.asyncProperty(durations, fc.constantFrom('flush.interval', 'flush.closeTimeout', 'limits.seriesTtl', 'histogram.slotLength', 'limits.maxRecordAge', 'alerts.evaluationInterval'), async (input, option) => {
        const [group, key] = option.split('.') as [string, string];
        let monitor;
        try {
          monitor = createMonitor({ clock: new ManualClock(), [group]: { [key]: real(input) } });
        } catch (error) {
          expectCodedError(`createMonitor({ ${option}: ${fc.stringify(input)} })`, error);
          return;
        }
        try {
          const value = (monitor.options as unknown as Record<string, Record<string, unknown>>)[group]![key];
          expect(typeof value === 'number' && Number.isFinite(value), `${option} = ${String(value)} from ${fc.stringify(input)}`).toBe(true);
        } finally {
          await monitor.close();
        }
      }),
      fcParams(300),
    );
  };

  it('createMonitor with any duration option throws only a coded PulsewatchError, and keeps only finite durations', { timeout: 60_000 }, async () => {
    await monitorDurations(durationInput);
  });

  it('createMonitor throws only a coded PulsewatchError for an option that throws when read (revoked proxy, throwing getter)', { timeout: 60_000 }, async () => {
    await monitorDurations(fc.oneof(durationInput, trapObject));
  });
});

/** A rule with every field present sometimes, each a valid value or a hostile one (`hostileValue`: what hostile means). */
function ruleInputOf(hostileValue: fc.Arbitrary<unknown>) {
  return fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        id: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,12}$/), hostileString),
        name: fc.oneof(fc.constant('High latency'), hostileString),
        metric: fc.oneof(fc.constantFrom('response_time', 'prop_requests_total'), hostileString),
        condition: fc.oneof(fc.constantFrom('greater_than', 'less_than', 'equals', 'gt'), hostileString),
        threshold: fc.oneof(fc.integer({ min: -10, max: 1000 }), hostileValue),
        aggregation: fc.oneof(fc.constantFrom('avg', 'p99', 'rate', 'errorRate', { type: 'spike' }, { type: 'compliance', under: 5 }), hostileValue),
        window: fc.oneof(fc.constantFrom('5m', 60_000), durationInput),
        duration: fc.oneof(fc.constantFrom('0s', '1m'), durationInput),
        cooldownPeriod: fc.oneof(fc.constant(60), hostileValue),
        groupBy: fc.oneof(fc.array(labelName, { maxLength: 3 }), hostileValue),
        labels: fc.oneof(fc.dictionary(labelName, hostileString, { maxKeys: 2 }), hostileValue),
        alertLabels: fc.oneof(
          fc.dictionary(fc.oneof(labelName, fc.constantFrom('__proto__', 'constructor', 'team')), fc.oneof(fc.constant('ops'), hostileString), { maxKeys: 3 }),
          fc.constant(JSON.parse('{"__proto__":"x","team":"ops"}') as Record<string, string>),
          hostileValue,
        ),
        annotations: fc.oneof(fc.dictionary(hostileString, hostileString, { maxKeys: 2 }), hostileValue),
        severity: fc.oneof(fc.constantFrom('info', 'warning', 'critical'), hostileString),
        channels: fc.oneof(fc.array(hostileString, { maxLength: 2 }), hostileValue),
        limit: fc.oneof(fc.integer({ min: 0, max: 5 }), hostileValue),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 1, arbitrary: hostileValue },
  );
}

describe('property: alert rules', () => {
  const rules = async (values: fc.Arbitrary<unknown>): Promise<void> => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleInputOf(values), { minLength: 1, maxLength: 4 }), async (inputs) => {
        const { monitor, errors } = propertyMonitor();
        monitor.recordMetric({ metricType: 'response_time', value: 1500, unit: 'ms', tags: { team: 'ops' } });
        for (const raw of inputs) {
          const input = real(raw);
          let pending: Promise<unknown>;
          try {
            pending = monitor.alerts.createRule(input as never);
          } catch (error) {
            throw new Error(`createRule(${fc.stringify(raw)}) threw synchronously: ${String(error)}`, { cause: error });
          }
          let rule: { alertLabels: Record<string, string> } | undefined;
          try {
            rule = (await pending) as typeof rule;
          } catch (error) {
            expectCodedError(`createRule(${fc.stringify(raw)})`, error);
            continue;
          }
          const given = (input as { alertLabels?: unknown }).alertLabels;
          const keys = given !== null && typeof given === 'object' ? Object.keys(given) : [];
          expect(Object.keys(rule!.alertLabels), `alertLabels keys of ${fc.stringify(raw)}`).toEqual(expect.arrayContaining(keys));
        }
        await expect(monitor.alerts.evaluate()).resolves.toBeDefined();
        await monitor.close();
        expectPulsewatchErrors(errors);
      }),
      fcParams(200),
    );
  };

  it('createRule never throws synchronously, settles with a rule or a coded PulsewatchError, keeps every alertLabels key, and evaluation still resolves', { timeout: 120_000 }, async () => {
    await rules(plainHostileValue);
  });

  it('createRule settles with a coded PulsewatchError for objects that throw when read (revoked proxies, throwing getters)', { timeout: 120_000 }, async () => {
    await rules(hostileValue);
  });
});

/** What a health check may do: return anything, throw anything, reject with anything. */
const checkBehaviourOf = (hostileValue: fc.Arbitrary<unknown>) =>
  fc.oneof(
    hostileValue.map((v) => ({ does: 'returns', v })),
    hostileValue.map((v) => ({ does: 'throws', v })),
    hostileValue.map((v) => ({ does: 'rejects', v })),
    hostileValue.map((v) => ({ does: 'resolves', v })),
  );

describe('property: health checks', () => {
  const health = async (hostileValue: fc.Arbitrary<unknown>): Promise<void> => {
    const checkBehaviour = checkBehaviourOf(hostileValue);
    const registration = fc.record({
      name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), hostileString, hostileValue),
      behaviour: checkBehaviour,
      options: fc.oneof(
        fc.constant(undefined),
        fc.record({ critical: fc.oneof(fc.boolean(), hostileValue), timeout: durationInput, groups: fc.oneof(fc.array(hostileString, { maxLength: 2 }), hostileValue), cacheTtl: durationInput }, { requiredKeys: [] }),
        hostileValue,
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(registration, { minLength: 1, maxLength: 4 }), async (list) => {
        const { monitor, errors } = propertyMonitor();
        for (const r of list) {
          const check = (): unknown => {
            const v = real(r.behaviour.v);
            if (r.behaviour.does === 'throws') throw v;
            if (r.behaviour.does === 'rejects') return Promise.reject(v);
            if (r.behaviour.does === 'resolves') return Promise.resolve(v);
            return v;
          };
          try {
            monitor.health.register(real(r.name) as string, check as never, real(r.options) as never);
          } catch (error) {
            expectCodedError(`health.register(${fc.stringify(r.name)}, …, ${fc.stringify(r.options)})`, error);
          }
        }
        const report = await monitor.health.check();
        expect(['healthy', 'degraded', 'unhealthy']).toContain(report.status);
        await monitor.close();
        expectPulsewatchErrors(errors);
      }),
      fcParams(200),
    );
  };

  it('register throws only a coded PulsewatchError; check() resolves with a status whatever the checks do', { timeout: 120_000 }, async () => {
    await health(plainHostileValue);
  });

  it('the same with objects that throw when read (revoked proxies, throwing getters) as names, options, results and errors', { timeout: 120_000 }, async () => {
    await health(hostileValue);
  });
});
