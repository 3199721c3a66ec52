// MemoryStorage alert records by status: the status index iterates in another order than the single map: with an inconsistent
// comparator (updatedAt NaN / missing) the sort's answer depends on that order.
import { expect, it } from 'vitest';
import { MemoryRecords } from '../../src/storage/memory/memory-records.js';

const rec = (id: string, status: string, updatedAt: number) => ({ id, ruleId: 'r', ruleName: 'r', fingerprint: 'f', labels: {}, annotations: {}, message: '', severity: 'warning', type: 'custom', status, value: 1, threshold: 1, activeAt: 0, startsAt: 0, updatedAt }) as any;

class Reference {
  alerts = new Map<string, any>();
  save(a: any) { this.alerts.set(a.id, structuredClone(a)); }
  query(q: any) {
    const out = [...this.alerts.values()].filter((a) => q.status === undefined || a.status === q.status);
    out.sort((x, y) => y.updatedAt - x.updatedAt || (x.id < y.id ? 1 : -1));
    return out.map((a) => a.id);
  }
}

it('same order as the single map when some updatedAt is NaN', () => {
  let bad = 0;
  for (let seed = 1; seed <= 500; seed++) {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const m = new MemoryRecords(1000);
    const ref = new Reference();
    for (let i = 0; i < 40; i++) {
      const a = rec(`a${Math.floor(rnd() * 12)}`, rnd() < 0.6 ? 'firing' : 'resolved', rnd() < 0.3 ? NaN : Math.floor(rnd() * 5));
      m.saveAlert(a);
      ref.save(a);
    }
    const got = m.queryAlerts({ status: 'firing' }).map((a) => a.id);
    if (JSON.stringify(got) !== JSON.stringify(ref.query({ status: 'firing' }))) bad++;
  }
  expect(bad).toBe(0);
});
