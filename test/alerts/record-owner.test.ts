// ruleLookup().owns keeps its judgement of each (rule version, group, fingerprint): checked
// against judging afresh (a new entry each time), over seeded random records, hostile ones too.
import { describe, expect, it } from 'vitest';
import { alertLabels } from '../../src/alerts/alert-records.js';
import { fingerprint } from '../../src/alerts/fingerprint.js';
import { ruleLookup } from '../../src/alerts/record-owner.js';
import type { RuleBook, RuleEntry } from '../../src/alerts/rule-book.js';
import type { AlertRecord } from '../../src/storage/records.js';
import { seriesKey } from '../../src/core/labels.js';
import { random } from '../helpers/random.js';


function entryOf(groupBy: string[]): RuleEntry {
  const rule = { id: 'r1', name: 'Slow', severity: 'warning', enabled: true, groupBy, alertLabels: { team: 'web' }, annotations: {}, channels: [], recipients: [], type: 'custom' };
  return { rule, conditions: [], baselines: new Map(), reported: new Set(), failing: false, identity: 'x', overLimit: false } as unknown as RuleEntry;
}

function bookOf(get: () => RuleEntry): RuleBook {
  return { get, synced: true } as unknown as RuleBook;
}

function recordOf(rnd: () => number, groupBy: string[]): AlertRecord {
  const route = `/r/${Math.floor(rnd() * 4)}`;
  const labels: Record<string, string> = {};
  for (const n of groupBy) labels[n] = n === 'route' ? route : `${n}${Math.floor(rnd() * 2)}`;
  const keys = [groupBy.length === 0 ? '' : seriesKey(labels), 'not json', '[["route"]]', `[["route","${route}\\u0000x"]]`, undefined];
  const groupKey = keys[rnd() < 0.7 ? 0 : Math.floor(rnd() * keys.length)];
  const right = fingerprint(alertLabels({ id: 'r1', name: 'Slow', severity: 'warning', type: 'custom', channels: [], recipients: [], alertLabels: { team: 'web' }, annotations: {} }, labels, 'api'));
  const fp = [right, right, 'ffffffffffffffff', `${right}\u0000`][Math.floor(rnd() * 4)]!;
  return { id: `a${Math.floor(rnd() * 1e6)}`, ruleId: 'r1', groupKey, fingerprint: fp } as AlertRecord;
}

describe('ruleLookup().owns', () => {
  it('answers as judging every record afresh, over 300 seeded runs', () => {
    const answers = { true: 0, false: 0 };
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const groupBy = [[], ['route'], ['route', 'method']][seed % 3]!;
      const entry = entryOf(groupBy);
      const kept = ruleLookup(bookOf(() => entry), 'api');
      const fresh = ruleLookup(bookOf(() => ({ ...entry })), 'api');
      for (let i = 0; i < 60; i++) {
        const r = recordOf(rnd, groupBy);
        const owns = fresh.owns(r);
        expect(kept.owns(r), `seed ${seed} record ${i}`).toBe(owns);
        answers[`${owns}`]++;
      }
    }
    // The runs judge both records the rule owns and records it does not.
    expect(answers.true).toBeGreaterThan(1_000);
    expect(answers.false).toBeGreaterThan(1_000);
  });

  it('still answers right past the bound of judgements it keeps', () => {
    const entry = entryOf(['route']);
    const kept = ruleLookup(bookOf(() => entry), 'api');
    const fresh = ruleLookup(bookOf(() => ({ ...entry })), 'api');
    for (let i = 0; i < 12_000; i++) {
      const r = { id: `a${i}`, ruleId: 'r1', groupKey: `[["route","/r/${i}"]]`, fingerprint: i % 2 === 0 ? 'ffffffffffffffff' : String(i) } as AlertRecord;
      expect(kept.owns(r)).toBe(fresh.owns(r));
    }
    const owned = recordOf(random(1), ['route']);
    expect(kept.owns(owned)).toBe(fresh.owns(owned));
  });
});
