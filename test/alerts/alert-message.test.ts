// refreshFiring skips rewriting a firing record's message when what it would write is already
// there: checked against writing it every time (refreshRecord of messageOf), over seeded random
// sequences of values, conditions, rules and outside changes to the record.
import { describe, expect, it } from 'vitest';
import { messageOf, refreshFiring } from '../../src/alerts/alert-message.js';
import { refreshRecord } from '../../src/alerts/alert-records.js';
import type { NormalizedCondition } from '../../src/alerts/rule-schema.js';
import type { AlertRecord } from '../../src/storage/records.js';
import { random } from '../helpers/random.js';


function condition(threshold: number, metric = 'latency'): NormalizedCondition {
  return { metric, labels: {}, aggregation: 'p95', window: 300_000, op: 'gt', threshold } as NormalizedCondition;
}

function record(): AlertRecord {
  return {
    id: 'a1', ruleId: 'r', ruleName: 'Slow', fingerprint: 'f', groupKey: '', labels: { alertname: 'Slow' }, annotations: { summary: 'Slow: first' },
    message: 'first', severity: 'warning', type: 'custom', status: 'firing', value: 1, threshold: 1, activeAt: 0, startsAt: 0, channels: [], recipients: [], service: 's', updatedAt: 0,
  };
}

const VALUES: (number | null)[] = [1, 1.5, 2, 0, -0, Number.NaN, null, 1234.5678, 1e-9];

describe('refreshFiring', () => {
  it('leaves every record as writing its message every time does, over 500 seeded sequences', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rnd = random(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const conditions = [[condition(1)], [condition(2)], [condition(1, 'other')], []] as NormalizedCondition[][];
      const rules: { name: string; annotations: Record<string, string> }[] = [{ name: 'Slow', annotations: {} }, { name: 'Slow', annotations: { summary: 'fixed' } }, { name: 'Renamed', annotations: {} }];
      let cached = record();
      let reference = record();
      for (let step = 0; step < 60; step++) {
        const r = rnd();
        if (r < 0.1) {
          // Another writer: a follower copying another instance's record, or a hand-made change.
          const message = pick(['first', cached.message, 'elsewhere']);
          const value = pick(VALUES);
          const summary = pick([`Slow: ${message}`, 'by hand', undefined]);
          const onlySummary = rnd() < 0.3;
          for (const rec of [cached, reference]) {
            if (!onlySummary) {
              rec.message = message;
              rec.value = value;
            }
            if (summary !== undefined) (rec.annotations as Record<string, string>).summary = summary;
          }
        } else if (r < 0.13) {
          // A record replaced (adopted from the store).
          cached = structuredClone(reference);
        } else {
          const cs = pick(conditions.slice(0, rnd() < 0.9 ? 1 : 4));
          const rule = pick(rules.slice(0, rnd() < 0.9 ? 1 : 3));
          const combined = pick([true, true, true, null, false] as const);
          const value = pick(VALUES.slice(0, rnd() < 0.7 ? 2 : VALUES.length));
          refreshFiring(cached, rule, cs, combined, value);
          refreshRecord(reference, rule, messageOf(cs, combined, value), value, cs[0]?.threshold ?? null);
        }
        expect(cached, `seed ${seed} step ${step}`).toStrictEqual(reference);
        expect(Object.is(cached.value, reference.value), `seed ${seed} step ${step}`).toBe(true);
      }
    }
  });
});
