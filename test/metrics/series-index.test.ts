import { describe, expect, it } from 'vitest';
import type { Labels } from '../../src/core/labels.js';
import { SeriesIndex, type SeriesBase } from '../../src/metrics/series-index.js';

interface TestSeries extends SeriesBase {
  id: number;
}

function index(limit = 100): SeriesIndex<TestSeries> {
  let id = 0;
  const create = (labels: Labels, key: string): TestSeries => ({ labels, key, lastTouched: 0, evicted: false, id: id++ });
  return new SeriesIndex<TestSeries>(['method', 'route', 'status'], limit, create, () => {});
}

describe('SeriesIndex: the label tree', () => {
  it('finds a series whose prefix no other series shares, and only for its own labels', () => {
    const idx = index();
    const a = idx.get({ method: 'GET', route: '/a', status: '200' })!;
    expect(idx.get({ method: 'GET', route: '/a', status: '200' })).toBe(a);
    // Same prefix, other last label: a new series, and both are found afterwards.
    const b = idx.get({ method: 'GET', route: '/a', status: '500' })!;
    expect(b).not.toBe(a);
    expect(idx.get({ method: 'GET', route: '/a', status: '200' })).toBe(a);
    expect(idx.get({ method: 'GET', route: '/a', status: '500' })).toBe(b);
    const c = idx.get({ method: 'GET', route: '/b', status: '200' })!;
    expect(new Set([a, b, c]).size).toBe(3);
    expect(idx.get({ method: 'GET', route: '/b', status: '200' })).toBe(c);
    expect(idx.size).toBe(3);
  });

  it('compares the remaining labels the way a full lookup reads them (numbers, booleans, missing ones)', () => {
    const idx = index();
    const a = idx.get({ method: 'GET', route: '/a', status: 200 })!;
    expect(a.labels).toEqual({ method: 'GET', route: '/a', status: '200' });
    expect(idx.get({ method: 'GET', route: '/a', status: '200' })).toBe(a);
    const noStatus = idx.get({ method: 'GET', route: '/a' })!;
    expect(noStatus).not.toBe(a);
    expect(noStatus.labels).toEqual({ method: 'GET', route: '/a', status: '' });
    expect(idx.get({ method: 'GET', route: '/a', status: undefined })).toBe(noStatus);
    expect(idx.get({ method: 'GET', route: '/a', status: true })).not.toBe(a);
    expect(idx.size).toBe(3);
  });

  it('keeps every series reachable after evictions that empty and collapse levels', () => {
    const idx = index();
    const sets = [
      { method: 'GET', route: '/a', status: '200' },
      { method: 'GET', route: '/a', status: '404' },
      { method: 'GET', route: '/b', status: '200' },
      { method: 'POST', route: '/a', status: '200' },
    ];
    const series = sets.map((s) => idx.get(s)!);
    idx.evict(series[1]!);
    expect(idx.get(sets[0]!)).toBe(series[0]);
    expect(idx.get(sets[2]!)).toBe(series[2]);
    expect(idx.get(sets[3]!)).toBe(series[3]);
    // An evicted label set comes back as a new series.
    const again = idx.get(sets[1]!)!;
    expect(again).not.toBe(series[1]);
    expect(idx.get(sets[1]!)).toBe(again);
    for (const s of [series[0]!, series[2]!, series[3]!, again]) idx.evict(s);
    expect(idx.size).toBe(0);
    for (const set of sets) expect(idx.get(set)!.labels).toEqual(set);
    expect(idx.size).toBe(4);
  });

  it('puts an evicted series back when its bound handle writes again', () => {
    const idx = index();
    const a = idx.get({ method: 'GET', route: '/a', status: '200' })!;
    const b = idx.get({ method: 'GET', route: '/b', status: '200' })!;
    idx.evict(a);
    expect(idx.follow(a)).toBe(a);
    expect(idx.get({ method: 'GET', route: '/a', status: '200' })).toBe(a);
    expect(idx.get({ method: 'GET', route: '/b', status: '200' })).toBe(b);
    expect(a.evicted).toBe(false);
  });
});
