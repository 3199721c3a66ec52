import { describe, expect, it } from 'vitest';
import { alertRuleSchema, callerRuleIssues } from '../../src/alerts/rule-schema.js';

const SEED_003 = { name: 'High Response Time', metricType: 'response_time', condition: 'greater_than', threshold: 1000, duration: 300, cooldownPeriod: 1800 };

describe("a rule's duration as a caller writes it", () => {
  it("refuses seed 003's bare-number duration with a message naming both units", () => {
    const issues = callerRuleIssues(SEED_003);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toEqual(['duration']);
    expect(issues[0]!.message).toContain('seed 003 means seconds, pulsewatch durations milliseconds');
    expect(issues[0]!.message).toContain("'300s'");
    expect(issues[0]!.message).toContain("'300ms'");
  });

  it('refuses a bare number in an updateRule patch the same way, unless it gives the rule its own duration back', () => {
    expect(callerRuleIssues({ duration: 600 }, 300_000)[0]!.path).toEqual(['duration']);
    // A read-modify-write of a listed rule (GET, change the threshold, PUT) sends its ms back.
    expect(callerRuleIssues({ duration: 300_000, threshold: 5 }, 300_000)).toEqual([]);
  });

  it('takes a duration with its unit, 0, or none', () => {
    expect(callerRuleIssues({ ...SEED_003, duration: '300s' })).toEqual([]);
    expect(callerRuleIssues({ ...SEED_003, duration: 0 })).toEqual([]);
    const { duration: _omitted, ...withoutDuration } = SEED_003;
    expect(callerRuleIssues(withoutDuration)).toEqual([]);
    expect(callerRuleIssues(null)).toEqual([]);
  });

  it('reads the unit the caller wrote: 300s is five minutes, as seed 003 meant', () => {
    const parsed = alertRuleSchema.parse({ ...SEED_003, duration: '300s' });
    expect(parsed.duration).toBe(300_000);
    expect(parsed.cooldownPeriod).toBe(1800);
  });

  it('reads a parsed rule again unchanged: stored and listed rules hold ms', () => {
    const parsed = alertRuleSchema.parse({ ...SEED_003, duration: '5m' });
    expect(alertRuleSchema.parse(parsed).duration).toBe(300_000);
  });

  it('passes over a rule whose duration getter throws (the schema reports it)', () => {
    const hostile = Object.defineProperty({}, 'duration', { get: () => { throw new Error('boom'); } });
    expect(callerRuleIssues(hostile)).toEqual([]);
  });
});
