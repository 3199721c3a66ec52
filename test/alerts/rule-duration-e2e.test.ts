import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from '../../src/index.js';
import { probe, setup } from './support.js';

describe("a rule's duration through createRule, ensureRule and updateRule", () => {
  it("refuses seed 003's duration: 300 in createRule and ensureRule, naming the units, and keeps nothing", async () => {
    const s = setup();
    for (const call of [() => s.monitor.alerts.createRule(probe('seed', 'm', { duration: 300 })), () => s.monitor.alerts.ensureRule({ id: 'seed', ...probe('seed', 'm', { duration: 300 }) })]) {
      const error = await call().catch((e: unknown) => e);
      expect(isValidationError(error)).toBe(true);
      expect((error as ValidationError).issues[0]).toMatchObject({ path: 'duration', message: expect.stringContaining("'300s'") });
    }
    expect(s.monitor.alerts.getRules()).toEqual([]);
  });

  it('takes 300s as five minutes, and an update that gives the rule its own ms back', async () => {
    const s = setup();
    const rule = await s.monitor.alerts.createRule(probe('seed', 'm', { duration: '300s' }));
    expect(rule.duration).toBe(300_000);
    const { createdAt: _c, updatedAt: _u, ...fields } = rule;
    expect((await s.monitor.alerts.updateRule(rule.id, { ...fields, threshold: 5 })).threshold).toBe(5);
    const error = await s.monitor.alerts.updateRule(rule.id, { duration: 600 }).catch((e: unknown) => e);
    expect((error as ValidationError).issues[0]!.path).toBe('duration');
    expect(s.monitor.alerts.getRule(rule.id)!.duration).toBe(300_000);
  });
});
