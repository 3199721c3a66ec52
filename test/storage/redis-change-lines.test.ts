/**
 * The change log's lines are decoded from the reply's bytes, field by field (redis-change-lines.ts),
 * not through JSON.parse: every rollup must come back as decodeRollup reads the same line, bit
 * for bit (numbers through Object.is), and a line in any other form (an older writer's member,
 * escapes, whitespace) must still decode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/index.js';
import { decodeRollup, encodeRollup } from '../../src/storage/redis/redis-codec.js';
import { ChangeLineDecoder, MAX_KEPT_LABELS } from '../../src/storage/redis/redis-change-lines.js';
import { canonicalLabels } from '../../src/core/labels.js';
import { fcParams } from '../helpers/fast-check.js';

const double = fc.oneof(
  fc.double(),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1000),
  fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 1e-310, 5e-324, Number.MAX_VALUE, 1e21, 1e-7, 0.000001, 123456789.125, 0.1 + 0.2, 999999999999999, 2 ** 53 + 2),
);
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('a-1', 'ünïcødé', '"quoted"', 'back\\slash', 'tab\there', ''));
const rollup: fc.Arbitrary<Rollup> = fc.record(
  {
    name: fc.constant('x_total'),
    kind: fc.constantFrom('counter' as const, 'gauge' as const, 'histogram' as const),
    labels: fc.dictionary(text, text, { maxKeys: 3 }),
    start: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    end: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    count: double,
    sum: double,
    min: double,
    max: double,
    last: double,
    hdr: fc.base64String(),
    resolution: double,
    service: text,
    instance: text,
  },
  { requiredKeys: ['name', 'kind', 'labels', 'start', 'end', 'count', 'sum', 'min', 'max'] },
);

/** A line as WRITE_BATCH writes it: labels JSON, tab, member. */
function line(labelsJson: string, member: string): Buffer {
  return Buffer.from(`${labelsJson}\t${member}`, 'utf8');
}

function decodeLine(decoder: ChangeLineDecoder, bytes: Buffer): Rollup {
  return decoder.decode(bytes, 0, bytes.length, 'x_total');
}

function expectSame(back: Rollup, expected: Rollup): void {
  expect(Object.keys(back)).toEqual(Object.keys(expected));
  for (const [key, value] of Object.entries(expected)) {
    if (typeof value === 'number') expect(Object.is(back[key as keyof Rollup], value), `${key}: ${String(back[key as keyof Rollup])} vs ${value}`).toBe(true);
    else expect(back[key as keyof Rollup]).toEqual(value);
  }
}

describe('ChangeLineDecoder', () => {
  it('reads every line as decodeRollup reads its member', () => {
    const decoder = new ChangeLineDecoder();
    fc.assert(
      fc.property(rollup, (r) => {
        const labelsJson = canonicalLabels(r.labels);
        const member = encodeRollup(r);
        const expected = decodeRollup(member, r.name, JSON.parse(labelsJson) as Record<string, string>);
        // Twice: the second read of a line finds its labels, instance and service kept.
        expectSame(decodeLine(decoder, line(labelsJson, member)), expected);
        expectSame(decodeLine(decoder, line(labelsJson, member)), expected);
      }),
      fcParams(1_000),
    );
  });

  it('reads numbers exactly whatever their digits', () => {
    const decoder = new ChangeLineDecoder();
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const r: Rollup = { name: 'x_total', kind: 'gauge', labels: {}, start: 0, end: 1, count: 1, sum: v, min: v, max: v, last: v };
        const back = decodeLine(decoder, line('{}', encodeRollup(r)));
        for (const field of ['sum', 'min', 'max', 'last'] as const) expect(Object.is(back[field], v)).toBe(true);
      }),
      fcParams(2_000),
    );
  });

  it('reads members in other forms (field order, whitespace, escapes, no instance) through JSON', () => {
    const decoder = new ChangeLineDecoder();
    const expected: Rollup = { name: 'x_total', kind: 'counter', labels: { route: '/a' }, start: 0, end: 30_000, count: 2, sum: 3, min: 1, max: 2, service: 's"vc', instance: 'i-1' };
    const members = [
      '{"kind":"counter","instance":"i-1","start":0,"end":30000,"count":2,"sum":3,"min":1,"max":2,"service":"s\\"vc"}',
      '{ "instance": "i-1", "kind": "counter", "start": 0, "end": 30000, "count": 2, "sum": 3, "min": 1, "max": 2, "service": "s\\"vc" }',
      '{"instance":"i\\u002d1","kind":"counter","start":0,"end":3e4,"count":"2","sum":3.0,"min":1,"max":2,"service":"s\\"vc"}',
    ];
    for (const member of members) expect(decodeLine(decoder, line('{"route":"/a"}', member))).toEqual(expected);
    const { instance: _instance, ...older } = expected;
    expect(decodeLine(decoder, line('{"route":"/a"}', '{"kind":"counter","start":0,"end":30000,"count":2,"sum":3,"min":1,"max":2,"service":"s\\"vc"}'))).toEqual(older);
  });

  it('keeps a start or end stored as a string as decodeRollup does (as it is, not read as a number)', () => {
    const decoder = new ChangeLineDecoder();
    for (const [start, end] of [['""', '30000'], ['" "', '"0x7530"'], ['"1e3"', '"Infinity"'], ['"abc"', '30000'], ['0', '"30000"']]) {
      const member = `{"instance":"i","kind":"counter","start":${start},"end":${end},"count":1,"sum":1,"min":1,"max":1,"last":1,"service":"s"}`;
      const expected = decodeRollup(member, 'x_total', {});
      expectSame(decodeLine(decoder, line('{}', member)), expected);
      // A series set's member (queryRollups) too.
      const bytes = Buffer.from(member, 'utf8');
      expectSame(decoder.decodeMember(bytes, 0, bytes.length, 'x_total', {}), expected);
    }
  });

  it('rejects a line that is not JSON, as decodeRollup does', () => {
    const decoder = new ChangeLineDecoder();
    expect(() => decodeLine(decoder, line('{}', '{"kind":"counter","start":0,"end":1,"count":01,"sum":1,"min":1,"max":1}'))).toThrow(SyntaxError);
    expect(() => decodeLine(decoder, line('{}', '{"kind":"counter","start":0,"end":1,"count":1,"sum":1,"min":1,"max":1'))).toThrow(SyntaxError);
    expect(() => decodeLine(decoder, Buffer.from('{}'))).toThrow(SyntaxError);
  });

  it('gives every rollup its own labels, also when a label set is kept', () => {
    const decoder = new ChangeLineDecoder();
    const member = encodeRollup({ name: 'x_total', kind: 'counter', labels: {}, start: 0, end: 1, count: 1, sum: 1, min: 1, max: 1 });
    const a = decodeLine(decoder, line('{"route":"/a"}', member));
    const b = decodeLine(decoder, line('{"route":"/a"}', member));
    expect(b.labels).toEqual({ route: '/a' });
    expect(b.labels).not.toBe(a.labels);
  });

  it('tells apart two label sets of the same hash (FNV-1a of their JSON)', () => {
    const decoder = new ChangeLineDecoder();
    const member = encodeRollup({ name: 'x_total', kind: 'counter', labels: {}, start: 0, end: 1, count: 1, sum: 1, min: 1, max: 1 });
    // Found by search: both hash to the same 32 bits.
    const a = '{"route":"/r/71298"}';
    const b = '{"route":"/r/499980"}';
    for (let i = 0; i < 2; i++) {
      expect(decodeLine(decoder, line(a, member)).labels).toEqual({ route: '/r/71298' });
      expect(decodeLine(decoder, line(b, member)).labels).toEqual({ route: '/r/499980' });
    }
  });

  it('holds only its kept label sets, however many sets of one hash come one after another (review R3: 108 MB of linked sets)', () => {
    // 2^10 label sets of one FNV-1a hash (Joux: a colliding pair of 5-character blocks per round).
    const P = 0x01000193;
    const step = (h: number, s: string): number => {
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), P);
      return h;
    };
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let state = step(0x811c9dc5, '{"k":"');
    const pairs: [string, string][] = [];
    while (pairs.length < 10) {
      const seen = new Map<number, string>();
      for (;;) {
        let block = '';
        for (let i = 0; i < 5; i++) block += chars[next() % chars.length];
        const h = step(state, block) >>> 0;
        const other = seen.get(h);
        if (other !== undefined && other !== block) {
          pairs.push([other, block]);
          state = h | 0;
          break;
        }
        seen.set(h, block);
      }
    }
    const texts = Array.from({ length: 1 << pairs.length }, (_, i) => `{"k":"${pairs.map((p, k) => p[(i >> k) & 1]).join('')}"}`);
    const hashOf = (t: string): number => step(0x811c9dc5, t) >>> 0;
    expect(new Set(texts.map(hashOf)).size).toBe(1);
    const decoder = new ChangeLineDecoder();
    const member = encodeRollup({ name: 'x_total', kind: 'counter', labels: {}, start: 0, end: 1, count: 1, sum: 1, min: 1, max: 1 });
    for (const t of texts) expect(decoder.decode(line(t, member), 0, line(t, member).length, 'x_total', true).labels).toEqual(JSON.parse(t));
    // What the decoder reaches: its table, its last line's set, and every link from them.
    const inner = decoder as unknown as { labels: Map<number, { next?: object }>; last?: { next?: object } };
    const reached = new Set<object>();
    const walk = (e: { next?: object } | undefined): void => {
      for (let at = e; at !== undefined && !reached.has(at); at = at.next as { next?: object } | undefined) reached.add(at);
    };
    for (const e of inner.labels.values()) walk(e);
    walk(inner.last);
    expect(inner.labels.size).toBe(1);
    expect(reached.size).toBe(1);
  });

  describe('shared reads (one frozen labels object per series)', () => {
    const shared = (decoder: ChangeLineDecoder, bytes: Buffer): Rollup => decoder.decode(bytes, 0, bytes.length, 'x_total', true);

    it('reads every line as a copying read does, with frozen labels that are the same object at every read', () => {
      const decoder = new ChangeLineDecoder();
      const copying = new ChangeLineDecoder();
      fc.assert(
        fc.property(rollup, (r) => {
          const bytes = line(canonicalLabels(r.labels), encodeRollup(r));
          const a = shared(decoder, bytes);
          const b = shared(decoder, bytes);
          expectSame(a, decodeLine(copying, bytes));
          expectSame(b, decodeLine(copying, bytes));
          expect(Object.isFrozen(a.labels)).toBe(true);
          expect(b.labels).toBe(a.labels);
          // A copying read of the same line never hands out the shared object.
          const own = decodeLine(decoder, bytes);
          expect(own.labels).not.toBe(a.labels);
          expect(Object.isFrozen(own.labels)).toBe(false);
        }),
        fcParams(1_000),
      );
    });

    it('reads labels JSON that is not an object, a collision and a member in another form as a copying read does', () => {
      const decoder = new ChangeLineDecoder();
      const copying = new ChangeLineDecoder();
      const member = encodeRollup({ name: 'x_total', kind: 'counter', labels: {}, start: 0, end: 1, count: 1, sum: 1, min: 1, max: 1 });
      const other = '{ "kind": "counter", "start": 0, "end": 1, "count": 1, "sum": 1, "min": 1, "max": 1 }';
      for (const labelsJson of ['null', '[1,2]', '"ab"', '{"__proto__":"x"}', '{"route":"/r/71298"}', '{"route":"/r/499980"}']) {
        for (const m of [member, other]) {
          const bytes = line(labelsJson, m);
          const a = shared(decoder, bytes);
          expectSame(a, decodeLine(copying, bytes));
          expect(Object.isFrozen(a.labels)).toBe(true);
        }
      }
      // Both label sets of one hash keep coming back right, the second one frozen too.
      expect(shared(decoder, line('{"route":"/r/499980"}', member)).labels).toEqual({ route: '/r/499980' });
      expect(shared(decoder, line('{"route":"/r/71298"}', member)).labels).toEqual({ route: '/r/71298' });
    });
      it('finds the label set of every line whatever the order lines come in (the next line of a series is tried first)', () => {
      const member = encodeRollup({ name: 'x_total', kind: 'counter', labels: {}, start: 0, end: 1, count: 1, sum: 1, min: 1, max: 1 });
      // Prefixes of one another, one with a space before the tab, a hash collision, the empty set.
      const pool = ['{"r":"a"}', '{"r":"a","s":"b"}', '{"r":"a"} ', '{"r":"ab"}', '{}', '{"route":"/r/71298"}', '{"route":"/r/499980"}', '{"r":"\\u00e9"}'];
      fc.assert(
        fc.property(fc.array(fc.nat(pool.length - 1), { maxLength: 60 }), (picks) => {
          const decoder = new ChangeLineDecoder();
          const seen = new Map<string, Readonly<Record<string, string>>>();
          const collision = ['{"route":"/r/71298"}', '{"route":"/r/499980"}'];
          let second: string | undefined;
          for (const i of picks) {
            const json = pool[i]!;
            const back = shared(decoder, line(json, member));
            expect(back.labels).toEqual({ ...(JSON.parse(json) as object) });
            expect(Object.isFrozen(back.labels)).toBe(true);
            // One object per label set, but for the second of the colliding sets to come (not kept).
            if (collision.includes(json) && !seen.has(json) && collision.some((c) => seen.has(c))) second = json;
            if (json !== second) {
              if (!seen.has(json)) seen.set(json, back.labels);
              expect(back.labels).toBe(seen.get(json));
            }
          }
        }),
        fcParams(500),
      );
    });

    it('lets every kept label set go past MAX_KEPT_LABELS, links included, and still reads every line', () => {
      const decoder = new ChangeLineDecoder();
      const member = encodeRollup({ name: 'x_total', kind: 'counter', labels: {}, start: 0, end: 1, count: 1, sum: 1, min: 1, max: 1 });
      const first = shared(decoder, line('{"i":"first"}', member)).labels;
      expect(shared(decoder, line('{"i":"first"}', member)).labels).toBe(first);
      for (let i = 0; i < MAX_KEPT_LABELS; i++) shared(decoder, line(`{"i":"${i}"}`, member));
      // The sets were let go: the first one is parsed anew (not found through a link from an old set).
      const again = shared(decoder, line('{"i":"first"}', member)).labels;
      expect(again).toEqual({ i: 'first' });
      expect(again).not.toBe(first);
      expect(shared(decoder, line('{"i":"0"}', member)).labels).toEqual({ i: '0' });
    });
  });
});
