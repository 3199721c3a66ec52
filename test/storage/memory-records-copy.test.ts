// MemoryRecords copies alerts without structuredClone and reads them through a status index:
// both are checked against what they replace, over seeded random records and operations.
import { describe, expect, it } from 'vitest';
import { copyRecord, MemoryRecords } from '../../src/storage/memory/memory-records.js';
import type { AlertQuery, AlertRecord, AlertStatus } from '../../src/storage/records.js';
import { random } from '../helpers/random.js';


function value(rnd: () => number, depth: number): unknown {
  const k = Math.floor(rnd() * (depth > 5 ? 6 : 10));
  switch (k) {
    case 0: return `s${Math.floor(rnd() * 100)}`;
    case 1: return rnd() * 1000 - 500;
    case 2: return rnd() < 0.5;
    case 3: return null;
    case 4: return undefined;
    case 5: return Math.floor(rnd() * 10);
    case 6: return Array.from({ length: Math.floor(rnd() * 4) }, () => value(rnd, depth + 1));
    case 7: return new Date(Math.floor(rnd() * 1e12));
    case 8: return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => [rnd() < 0.2 ? String(i) : `k${i}`, value(rnd, depth + 1)]));
    default: {
      const o = Object.create(null) as Record<string, unknown>;
      o.a = value(rnd, depth + 1);
      return o;
    }
  }
}

const STATUSES: AlertStatus[] = ['firing', 'pending', 'resolved'];

function record(rnd: () => number, id: string): AlertRecord {
  return {
    id,
    ruleId: `r${Math.floor(rnd() * 3)}`,
    ruleName: 'rule',
    fingerprint: `f${Math.floor(rnd() * 3)}`,
    groupKey: rnd() < 0.5 ? '' : undefined,
    labels: { alertname: 'rule', route: `/r/${Math.floor(rnd() * 5)}` },
    annotations: { summary: 'x' },
    message: 'm',
    severity: 'warning',
    type: 'custom',
    status: STATUSES[Math.floor(rnd() * 3)]!,
    value: rnd() < 0.2 ? null : rnd(),
    threshold: 1,
    activeAt: 1,
    startsAt: 1,
    endsAt: rnd() < 0.5 ? Math.floor(rnd() * 50) : undefined,
    recovering: rnd() < 0.3 ? undefined : true,
    channels: rnd() < 0.5 ? [] : ['ops'],
    recipients: [],
    service: 'api',
    updatedAt: Math.floor(rnd() * 50),
    ...(rnd() < 0.3 ? { extra: value(rnd, 0) } : {}),
  } as AlertRecord;
}

/** MemoryRecords' alerts as they were kept before the status index: one map, structuredClone. */
class Reference {
  readonly alerts = new Map<string, AlertRecord>();
  constructor(private readonly max: number) {}
  save(a: AlertRecord): void {
    this.alerts.set(a.id, structuredClone(a));
    for (const [id, r] of this.alerts) {
      if (this.alerts.size <= this.max) break;
      if (r.status === 'resolved') this.alerts.delete(id);
    }
  }
  query(q: AlertQuery): AlertRecord[] {
    const out = [...this.alerts.values()].filter((a) => (q.status === undefined || a.status === q.status) && (q.ruleId === undefined || a.ruleId === q.ruleId) && (q.fingerprint === undefined || a.fingerprint === q.fingerprint) && (q.from === undefined || a.updatedAt >= q.from) && (q.to === undefined || a.updatedAt < q.to));
    out.sort((x, y) => y.updatedAt - x.updatedAt || (x.id < y.id ? 1 : -1));
    return out.slice(0, q.limit ?? out.length).map((a) => structuredClone(a));
  }
  purge(ts: number): number {
    let n = 0;
    for (const [id, a] of this.alerts) if (a.status === 'resolved' && (a.endsAt ?? a.updatedAt) < ts && this.alerts.delete(id)) n++;
    return n;
  }
}

describe('copyRecord', () => {
  it('gives what structuredClone gives, sharing nothing with the original, over 2,000 seeded values', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const rnd = random(seed);
      const v = { top: value(rnd, 0), list: [value(rnd, 0), value(rnd, 0)], nested: { a: { b: { c: { d: value(rnd, 0) } } } } };
      const copy = copyRecord(v);
      expect(copy, `seed ${seed}`).toStrictEqual(structuredClone(v));
      expect(copy.nested.a.b.c).not.toBe(v.nested.a.b.c);
      expect(copy.list).not.toBe(v.list);
    }
  });

  it('throws where structuredClone throws (a function)', () => {
    expect(() => copyRecord({ f: () => 1 })).toThrow();
    expect(() => copyRecord({ list: [Symbol('s')] })).toThrow();
  });
});

describe('MemoryRecords alerts', () => {
  it('answer every query as a single map with structuredClone did, over 300 seeded runs of saves, trims and purges', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const max = 5 + Math.floor(rnd() * 20);
      const mine = new MemoryRecords(max);
      const ref = new Reference(max);
      for (let op = 0; op < 120; op++) {
        const r = rnd();
        if (r < 0.7) {
          const a = record(rnd, `a${Math.floor(rnd() * 30)}`);
          mine.saveAlert(a);
          ref.save(a);
        } else if (r < 0.8) {
          const ts = Math.floor(rnd() * 50);
          expect(mine.removeResolvedBefore(ts), `seed ${seed}`).toBe(ref.purge(ts));
        } else {
          const q: AlertQuery = {
            ...(rnd() < 0.7 ? { status: STATUSES[Math.floor(rnd() * 3)]! } : {}),
            ...(rnd() < 0.3 ? { ruleId: `r${Math.floor(rnd() * 3)}` } : {}),
            ...(rnd() < 0.3 ? { fingerprint: `f${Math.floor(rnd() * 3)}` } : {}),
            ...(rnd() < 0.3 ? { from: Math.floor(rnd() * 50) } : {}),
            ...(rnd() < 0.3 ? { to: Math.floor(rnd() * 50) } : {}),
            ...(rnd() < 0.5 ? { limit: Math.floor(rnd() * 12) - 1 } : {}),
          };
          expect(mine.queryAlerts(q), `seed ${seed}`).toStrictEqual(ref.query(q));
        }
      }
      expect(mine.queryAlerts({}), `seed ${seed}`).toStrictEqual(ref.query({}));
    }
  });

  it('keeps no reference to a saved record, nor hands out its own', () => {
    const m = new MemoryRecords(10);
    const rnd = random(7);
    const a = { ...record(rnd, 'x'), status: 'firing' as const };
    m.saveAlert(a);
    (a.labels as Record<string, string>).route = 'changed';
    const [read] = m.queryAlerts({ status: 'firing' });
    expect(read!.labels.route).not.toBe('changed');
    (read!.labels as Record<string, string>).route = 'changed too';
    expect(m.queryAlerts({ status: 'firing' })[0]!.labels.route).not.toBe('changed too');
  });
});
