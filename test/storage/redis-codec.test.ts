/**
 * Sorted-set members are written out by hand (for speed) and must stay byte for byte what
 * JSON.stringify of the fixed-order object gave: a rollup written again, by this version or an
 * older one, must be the same member, or a retried batch would store it twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/index.js';
import { decodeRollup, encodeRollup } from '../../src/storage/redis/redis-codec.js';
import { fcParams } from '../helpers/fast-check.js';

/** The encoding as it was: an object in the fixed order, through JSON.stringify. */
function reference(r: Rollup): string {
  const num = (v: number): number | string => (Number.isFinite(v) && !Object.is(v, -0) ? v : String(Object.is(v, -0) ? '-0' : v));
  const m: Record<string, unknown> = {};
  if (r.instance !== undefined) m.instance = r.instance;
  Object.assign(m, { kind: r.kind, start: r.start, end: r.end, count: num(r.count), sum: num(r.sum), min: num(r.min), max: num(r.max) });
  if (r.last !== undefined) m.last = num(r.last);
  if (r.hdr !== undefined) m.hdr = r.hdr;
  if (r.resolution !== undefined) m.resolution = num(r.resolution);
  if (r.service !== undefined) m.service = r.service;
  return JSON.stringify(m);
}

const double = fc.oneof(fc.double(), fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 1e-310, 5e-324, Number.MAX_VALUE, 1e21, 123456789.125));
const text = fc.string({ unit: 'binary' });
const rollup: fc.Arbitrary<Rollup> = fc.record(
  {
    name: fc.constant('x_total'),
    kind: fc.constantFrom('counter' as const, 'gauge' as const, 'histogram' as const),
    labels: fc.constant({}),
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

describe('Redis rollup members', () => {
  it('are the bytes JSON.stringify gave for the fixed-order object, and decode back exactly', () => {
    fc.assert(
      fc.property(rollup, (r) => {
        const member = encodeRollup(r);
        expect(member).toBe(reference(r));
        const back = decodeRollup(member, r.name, r.labels);
        for (const field of ['count', 'sum', 'min', 'max', 'last', 'resolution'] as const) expect(Object.is(back[field], r[field])).toBe(true);
        expect(back.instance).toBe(r.instance);
        expect(back.service).toBe(r.service);
      }),
      fcParams(500),
    );
  });
});
