// A bound handle writes to a series taken out of the index (idle eviction, remove): it writes into
// the live series of its label set, else the one removed in the open slot (put back), else its
// own, put back. One label set has one series per slot, counted once in the budget, so a slot is
// written as one rollup (stores keep one per series, slot and instance: a second would replace it).
import { describe, expect, it } from 'vitest';
import type { Labels } from '../../src/core/labels.js';
import { SeriesIndex, type SeriesBase, type SeriesBudget } from '../../src/metrics/series-index.js';

interface TestSeries extends SeriesBase {
  restarts: number;
}

function index(budget: SeriesBudget, names = ['method', 'route', 'status'], dynamic = false): SeriesIndex<TestSeries> {
  const create = (labels: Labels, key: string): TestSeries => ({ labels, key, lastTouched: 0, evicted: false, restarts: 0 });
  return new SeriesIndex<TestSeries>(names, 100, create, () => {}, dynamic, { maxLabelSetLength: 1_000, maxLabels: 10, budget }, (s) => s.restarts++);
}

const LABELS = { method: 'GET', route: '/a', status: '200' };

describe('SeriesIndex.follow', () => {
  it('gives the live series of the label set when a lookup made one meanwhile, and changes nothing', () => {
    const budget = { used: 0, max: 10 };
    const idx = index(budget);
    const sibling = idx.get({ ...LABELS, status: '500' })!;
    const old = idx.get(LABELS)!;
    idx.evict(old);
    const made = idx.get(LABELS)!;
    expect(made).not.toBe(old);
    const version = idx.version;
    expect(idx.follow(old)).toBe(made);
    expect(old.evicted).toBe(true);
    expect(made.evicted).toBe(false);
    expect(idx.get(LABELS)).toBe(made);
    expect(idx.get({ ...LABELS, status: '500' })).toBe(sibling);
    expect(idx.version).toBe(version);
    expect(budget.used).toBe(2);
    // Evicting a series already out leaves the live one of its label set.
    idx.evict(old);
    expect(idx.get(LABELS)).toBe(made);
    idx.evict(made);
    idx.evict(sibling);
    expect(idx.size).toBe(0);
    expect(budget.used).toBe(0);
  });

  it('puts the series itself back when its label set has no live series, counted in the budget', () => {
    const budget = { used: 0, max: 10 };
    const idx = index(budget);
    const old = idx.get(LABELS)!;
    idx.evict(old);
    expect(budget.used).toBe(0);
    expect(idx.follow(old)).toBe(old);
    expect(old.evicted).toBe(false);
    expect(idx.get(LABELS)).toBe(old);
    expect(budget.used).toBe(1);
    // Idle eviction restarts nothing: the series keeps its total.
    expect(old.restarts).toBe(0);
  });

  it('gives back the series removed in the open slot, to a lookup and to another handle, restarted once', () => {
    const budget = { used: 0, max: 10 };
    const idx = index(budget);
    const idle = idx.get(LABELS)!;
    idx.evict(idle);
    const removed = idx.get(LABELS)!;
    // Removed while it holds the open slot: kept aside until the slot closes.
    idx.evict(removed, true);
    expect([...idx.retiredValues()]).toEqual([removed]);
    expect(idx.size).toBe(0);
    // A handle to the series evicted before writes: into the removed one, put back.
    expect(idx.follow(idle)).toBe(removed);
    expect(removed.restarts).toBe(1);
    expect(idx.get(LABELS)).toBe(removed);
    expect(budget.used).toBe(1);
    // Removed again, then a lookup: the same series again.
    idx.evict(removed, true);
    expect(idx.get(LABELS)).toBe(removed);
    expect(removed.restarts).toBe(2);
    expect([...idx.retiredValues()]).toEqual([]);
    expect(budget.used).toBe(1);
  });

  it('forgets the removed series when the slot closes, restarting it then', () => {
    const budget = { used: 0, max: 10 };
    const idx = index(budget);
    const removed = idx.get(LABELS)!;
    idx.evict(removed, true);
    idx.slotClosed();
    expect(removed.restarts).toBe(1);
    expect([...idx.retiredValues()]).toEqual([]);
    const made = idx.get(LABELS)!;
    expect(made).not.toBe(removed);
    expect(idx.follow(removed)).toBe(made);
    expect(budget.used).toBe(1);
  });

  it('does so for the unlabeled series and for free-form label sets', () => {
    const budget = { used: 0, max: 10 };
    const single = index(budget, []);
    const old = single.get(undefined)!;
    single.evict(old);
    const made = single.get(undefined)!;
    expect(single.follow(old)).toBe(made);
    single.evict(made, true);
    expect(single.follow(old)).toBe(made);
    expect(single.get(undefined)).toBe(made);

    const dynamic = index(budget, [], true);
    const a = dynamic.getDynamic({ tag: 'x' })!;
    dynamic.evict(a, true);
    expect(dynamic.getDynamic({ tag: 'x' })).toBe(a);
    dynamic.evict(a);
    const b = dynamic.getDynamic({ tag: 'x' })!;
    expect(dynamic.follow(a)).toBe(b);
    expect(single.size + dynamic.size).toBe(2);
    expect(budget.used).toBe(2);
  });
});

describe('SeriesIndex.peek', () => {
  it('finds a live series by its labels as a lookup reads them, without creating one', () => {
    const budget = { used: 0, max: 10 };
    const idx = index(budget, ['shard', 'hot', 'zone']);
    const s = idx.get({ shard: 7, hot: true })!;
    expect(idx.peek({ shard: '7', hot: 'true', zone: '' })).toBe(s);
    expect(idx.peek({ hot: true, shard: 7 })).toBe(s);
    expect(idx.peek({ shard: 8 })).toBeUndefined();
    expect(idx.peek({ shard: '__overflow__' })).toBeUndefined();
    expect(idx.peek(null)).toBeUndefined();
    expect(idx.peek([])).toBeUndefined();
    expect(idx.peek({ shard: Symbol('x') })).toBeUndefined();
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(idx.peek(revoked.proxy)).toBeUndefined();
    expect(idx.peek({ get shard(): string { throw new Error('no'); } })).toBeUndefined();
    const unlabeled = idx.get(undefined)!;
    expect(idx.peek(undefined)).toBe(unlabeled);
    expect(idx.size).toBe(2);
    // A lone surrogate reads as U+FFFD, as the series was made.
    const cut = idx.get({ shard: '\ud800' })!;
    expect(idx.peek({ shard: '\ud800' })).toBe(cut);
    expect(idx.peek({ shard: '\uFFFD' })).toBe(cut);
  });

  it('finds free-form and unlabeled series', () => {
    const budget = { used: 0, max: 10 };
    const dynamic = index(budget, [], true);
    const s = dynamic.getDynamic({ tag: 'x', empty: '' })!;
    expect(dynamic.peek({ tag: 'x' })).toBe(s);
    expect(dynamic.peek({ tag: 'x', empty: '' })).toBe(s);
    expect(dynamic.peek({ tag: 'y' })).toBeUndefined();
    expect(dynamic.peek({ 'bad-name': 'x' })).toBeUndefined();
    expect(dynamic.peek(undefined)).toBeUndefined();
    const single = index(budget, []);
    expect(single.peek(undefined)).toBeUndefined();
    const one = single.get(undefined)!;
    expect(single.peek(undefined)).toBe(one);
    expect(single.peek({ ignored: 'x' })).toBe(one);
  });
});
