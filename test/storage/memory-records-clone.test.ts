// MemoryStorage alert records: saveAlert then queryAlerts gives exactly structuredClone(structuredClone(input)), for any input (own __proto__ keys, shared and cyclic objects, sparse arrays, getters, proxies).
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { MemoryRecords } from '../../src/storage/memory/memory-records.js';

const base = () => ({ id: 'a', ruleId: 'r', ruleName: 'r', fingerprint: 'f', labels: { alertname: 'r' } as Record<string, unknown>, annotations: {} as Record<string, unknown>, message: '', severity: 'warning', type: 'custom', status: 'firing', value: 1, threshold: 1, activeAt: 0, startsAt: 0, updatedAt: 0 }) as any;

function viaStore(rec: unknown): unknown {
  const m = new MemoryRecords(10);
  m.saveAlert(rec as any);
  return m.queryAlerts({ status: 'firing' })[0];
}
function oracle(rec: unknown): unknown {
  return structuredClone(structuredClone(rec));
}
/** v8.serialize tells shared/cyclic objects, holes, extra array keys and own "__proto__" keys apart. */
const bytes = (x: unknown) => serialize(x).toString('hex');

const cases: Record<string, () => unknown> = {
  protoKeyString: () => { const r = base(); r.labels = Object.fromEntries([['__proto__', 'x'], ['alertname', 'r']]); return r; },
  protoKeyObject: () => { const r = base(); r.annotations = JSON.parse('{"__proto__":{"polluted":"yes"},"summary":"s"}'); return r; },
  shared: () => { const r = base(); const o = { a: 1 }; r.extra = { x: o, y: o }; return r; },
  cyclic: () => { const r = base(); r.extra = { r }; return r; },
  sharedDate: () => { const r = base(); const d = new Date(5); r.extra = [d, d]; return r; },
  holeWithProp: () => { const r = base(); const arr: any = [, 1]; arr.p = 'e'; r.extra = arr; return r; },
  getterDeletes: () => { const r = base(); const x: any = {}; Object.defineProperty(x, 'a', { enumerable: true, configurable: true, get() { delete x.b; return 1; } }); x.b = 2; r.extra = x; return r; },
  deep: () => { const r = base(); r.extra = { a: { b: { c: { d: { e: { f: [1, { g: -0 }] } } } } } }; return r; },
  misc: () => { const r = base(); r.extra = { n: NaN, z: -0, u: undefined, m: new Map([[1, { a: 1 }]]), np: Object.assign(Object.create(null), { k: [1, [2, [3]]] }) }; return r; },
};

describe('MemoryRecords copies are structuredClone copies', () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, () => {
      expect(bytes(viaStore(make()))).toBe(bytes(oracle(make())));
    });
  }
  it('proxy: structuredClone refuses it, so must saveAlert', () => {
    const r = base();
    r.labels = new Proxy({ alertname: 'r' }, {});
    expect(() => oracle(r)).toThrow();
    expect(() => new MemoryRecords(10).saveAlert(r)).toThrow();
  });
});
