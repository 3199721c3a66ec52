/**
 * Rules as an attacker or an unlucky operator writes them: prototype keys, durations that
 * overflow to Infinity, and stored rules that are malformed.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, ValidationError, type AlertRuleInput, type StoredRule } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';
import { SECOND, T0, expectValidationError, probe, setup } from './support.js';

/** A rule whose own `field` is an object with an own `__proto__` key, as JSON.parse makes it. */
const withProto = (field: string, value = '"x"'): AlertRuleInput => ({ ...probe('p', 'level'), ...JSON.parse(`{"${field}":{"__proto__":${value}}}`) });

const TOO_BIG = `${'9'.repeat(309)}s`; // Number('9'.repeat(309)) is Infinity

describe('prototype keys in rules', () => {
  it.each([
    ['labels', '"x"', 'labels.__proto__'],
    ['annotations', '"x"', 'annotations.__proto__'],
    ['alertLabels', '"x"', 'alertLabels.__proto__'],
  ])('refuses an own __proto__ key in %s, naming it, instead of dropping it', async (field, value, path) => {
    const { monitor } = setup();
    await expectValidationError(monitor.alerts.createRule(withProto(field, value)), path);
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('refuses __proto__ in a condition\'s labels, in errorLabels and in groupBy', async () => {
    const { monitor } = setup();
    const conditions = JSON.parse('[{"metric":"level","condition":"gt","threshold":1,"labels":{"__proto__":"x"}}]') as AlertRuleInput['conditions'];
    await expectValidationError(monitor.alerts.createRule({ name: 'c', conditions }), 'conditions.0.labels.__proto__');
    const aggregation = JSON.parse('{"type":"errorRate","errorLabels":{"__proto__":"500"}}') as AlertRuleInput['aggregation'];
    await expectValidationError(monitor.alerts.createRule(probe('e', 'level', { aggregation })), 'aggregation.errorLabels.__proto__');
    await expectValidationError(monitor.alerts.createRule(probe('g', 'level', { groupBy: ['__proto__'] })), 'groupBy.0');
  });

  it('refuses __proto__ in a manual alert\'s labels and annotations', async () => {
    const { monitor } = setup();
    await expectValidationError(monitor.alerts.triggerAlert({ name: 'm', labels: JSON.parse('{"__proto__":"x"}') }), 'labels.__proto__');
    await expectValidationError(monitor.alerts.triggerAlert({ name: 'm', annotations: JSON.parse('{"__proto__":"x"}') }), 'annotations.__proto__');
  });

  it('keeps constructor and prototype as ordinary label names, never reading Object.prototype', async () => {
    const s = setup();
    s.monitor.gauge({ name: 'level', labelNames: ['route'] }).set(1, { route: '/y' });
    s.monitor.gauge({ name: 'built', labelNames: ['constructor'] }).set(1, { constructor: 'a' });
    // `level` has no constructor label: its group value is absent, not Object.prototype.constructor.
    await s.monitor.alerts.createRule(probe('by constructor', 'level', { aggregation: 'last', groupBy: ['constructor', 'toString', 'route'], alertLabels: { prototype: 'p' }, annotations: { constructor: 'n' } }));
    await s.monitor.alerts.createRule(probe('matched', 'built', { aggregation: 'last', labels: { constructor: 'a' }, groupBy: ['constructor'] }));
    await s.monitor.alerts.createRule(probe('never', 'level', { aggregation: 'last', labels: { toString: 'x' } }));
    await s.at(0);
    expect(s.events.errors).toEqual([]);
    const active = s.monitor.alerts.getActiveAlerts();
    const grouped = active.find((a) => a.ruleName === 'by constructor')!;
    expect(Object.keys(grouped.labels).sort()).toEqual(['alertname', 'prototype', 'route', 'service', 'severity']);
    expect(grouped.labels.prototype).toBe('p');
    expect(grouped.annotations.constructor).toBe('n');
    expect(active.find((a) => a.ruleName === 'matched')!.labels.constructor).toBe('a');
    expect(active.filter((a) => a.ruleName === 'never')).toEqual([]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });
});

describe('rule durations', () => {
  it.each(['window', 'duration', 'keepFiringFor', 'cooldown'])('refuses a %s that parses as Infinity', async (field) => {
    const { monitor } = setup();
    const v = await expectValidationError(monitor.alerts.createRule(probe('inf', 'level', { [field]: TOO_BIG })), field);
    expect(v.issues.find((i) => i.path === field)!.message).toMatch(/finite|at most/);
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('refuses an infinite baselineWindow, cooldownPeriod and condition window', async () => {
    const { monitor } = setup();
    // The path is aggregation.baselineWindow, or aggregation when the duration parser refuses it inside the union.
    const spike = await monitor.alerts.createRule(probe('b', 'level', { aggregation: { type: 'spike', baselineWindow: TOO_BIG } })).catch((e: unknown) => e);
    expect(spike).toBeInstanceOf(ValidationError);
    expect((spike as ValidationError).issues.map((i) => i.path)).toSatisfy((paths: string[]) => paths.some((p) => p.startsWith('aggregation')));
    await expectValidationError(monitor.alerts.createRule(probe('c', 'level', { cooldownPeriod: Number.POSITIVE_INFINITY })), 'cooldownPeriod');
    await expectValidationError(monitor.alerts.createRule({ name: 'w', conditions: [{ metric: 'level', condition: 'gt', threshold: 1, window: TOO_BIG }] }), 'conditions.0.window');
    await expectValidationError(monitor.alerts.triggerAlert({ name: 'm', cooldown: TOO_BIG }), 'cooldown');
  });

  it('refuses the same at updateRule and keeps the rule as it was', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule(probe('u', 'level', { window: '5m' }));
    await expectValidationError(monitor.alerts.updateRule(rule.id, { window: TOO_BIG }), 'window');
    expect(monitor.alerts.getRule(rule.id)).toEqual(rule);
  });
});

describe('malformed stored rules', () => {
  const good: StoredRule = { id: 'good', name: 'good', createdAt: T0, updatedAt: T0, metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5 };

  it('skips entries without id or timestamps, nulls and rules with null durations; loads the rest and never rejects', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    const junk: unknown[] = [null, 'rule', { name: 'no id', createdAt: T0, updatedAt: T0 }, { id: 'nan', name: 'n', createdAt: Number.NaN, updatedAt: T0 }, { ...good, id: 'null window', window: null }, good];
    const storage = delegatingStorage(inner, { name: 'junk', listRules: async () => structuredClone(junk) as StoredRule[] });
    const s = setup({ storage }, clock);
    s.monitor.gauge({ name: 'level' }).set(10);
    await expect(s.at(0)).resolves.toMatchObject({ rules: 1, firing: 1 });
    expect(s.monitor.alerts.getRules().map((r) => r.id)).toEqual(['good']);
    const invalid = s.events.errors.filter((e) => e instanceof ValidationError);
    expect(invalid).toHaveLength(5);
    expect(invalid.find((e) => e.message.includes('"null window"'))!.issues).toMatchObject([{ path: 'window' }]);
    // Reported once per stored version, not at every sync.
    await s.at(30 * SECOND);
    await s.at(60 * SECOND);
    expect(s.events.errors.filter((e) => e instanceof ValidationError)).toHaveLength(5);
  });

  it('reports a rule again when a new version of it is still invalid', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    await storage.saveRule({ ...good, window: null });
    const s = setup({ storage }, clock);
    await s.at(0);
    await storage.saveRule({ ...good, window: null, updatedAt: T0 + 1 });
    await s.at(30 * SECOND);
    expect(s.events.errors.filter((e) => e instanceof ValidationError)).toHaveLength(2);
  });

  it('survives a store that lists something other than an array', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    const storage = delegatingStorage(inner, { name: 'odd', listRules: async () => ({ rules: [] }) as unknown as StoredRule[] });
    const s = setup({ storage }, clock);
    await expect(s.at(0)).resolves.toMatchObject({ rules: 0 });
    expect(s.events.errors).toMatchObject([{ code: 'ERR_PULSEWATCH_STORAGE' }]);
  });
});
