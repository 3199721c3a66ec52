import { isPulsewatchError } from '../core/errors.js';
import type { StateStore } from '../storage/contract.js';
import { byCodePoint } from '../storage/metric-names.js';
import { expectStorageError, type Harness, rejection } from './storage-conformance-fixtures.js';

/** Keys no adapter may interpret: separators, wildcards, quotes, JSON, prototype members, astral and private-use characters. */
const HOSTILE_KEYS = ['__proto__', 'a:b:*', 'glob?[x]', 'like_%\\', "quote'\"`", '{"json":1}', 'new\nline\t', '名前🚀', '\uffff\ue000', ' '];

/** A value with what JSON carries: nesting, unicode, U+0000, big and small numbers, null. */
const VALUE = { mean: 0.1 + 0.2, p95: 1e300, tiny: 5e-324, count: 2 ** 53 - 1, neg: -1, s: 'é😀\u0000"\\', list: [1, 'two', null, { three: [3] }], none: null, yes: true };

/**
 * Cases of the optional `state` role (`state: true`): first writer wins across concurrent
 * callers, prefix reads in key order and bounded, values as JSON round-trips them, and invalid
 * keys and values refused for good.
 */
export function registerStateCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  const store = (): StateStore => {
    const s = h.storage() as unknown as Partial<StateStore>;
    if (typeof s.putStateIfAbsent !== 'function') throw new Error('state: true was declared, but the adapter has no putStateIfAbsent');
    return s as StateStore;
  };

  describe('state', () => {
    it('stores a value under a new key and keeps the first one: a second put of the key returns false', async () => {
      const before = h.now();
      expect(await store().putStateIfAbsent('jobs:baseline:a', { mean: 1 })).toBe(true);
      expect(await store().putStateIfAbsent('jobs:baseline:a', { mean: 2 })).toBe(false);
      const [entry] = await store().readState('jobs:baseline:a');
      expect(entry?.key).toBe('jobs:baseline:a');
      expect(entry?.value).toEqual({ mean: 1 });
      expect(typeof entry?.updatedAt).toBe('number');
      // Within a minute of the adapter's clock (a server clock may differ from the test's a little).
      expect(Math.abs(entry!.updatedAt - before)).toBeLessThan(60_000);
    });

    it('of three concurrent writers of one key, exactly one wins, and every later read has its value', async () => {
      const results = await Promise.all([1, 2, 3].map((n) => store().putStateIfAbsent('race', { writer: n })));
      expect(results.filter((won) => won)).toHaveLength(1);
      const winner = results.indexOf(true) + 1;
      expect((await store().readState('race')).map((e) => e.value)).toEqual([{ writer: winner }]);
    });

    it('round-trips values exactly as JSON does', async () => {
      for (const [i, value] of [VALUE, 'text', 0, -0.5, false, null, [], {}].entries()) await store().putStateIfAbsent(`v:${i}`, value);
      const values = (await store().readState('v:')).map((e) => e.value);
      expect(values).toEqual([VALUE, 'text', 0, -0.5, false, null, [], {}].map((v) => JSON.parse(JSON.stringify(v)) as unknown));
    });

    it('reads the entries under a prefix in code point order of key, bounded by limit', async () => {
      for (const key of ['p:c', 'p:a', 'q:a', 'p:b', 'p', 'p:\u{1F600}', 'p:\uffff']) await store().putStateIfAbsent(key, key);
      expect((await store().readState('p:')).map((e) => e.key)).toEqual(['p:a', 'p:b', 'p:c', 'p:\uffff', 'p:\u{1F600}']);
      expect((await store().readState('p:', { limit: 2 })).map((e) => e.key)).toEqual(['p:a', 'p:b']);
      expect((await store().readState('')).map((e) => e.key)).toEqual(['p', 'p:a', 'p:b', 'p:c', 'p:\uffff', 'p:\u{1F600}', 'q:a']);
      expect(await store().readState('none:')).toEqual([]);
    });

    it('keeps hostile keys as written, and reads none of them as a pattern', async () => {
      for (const key of HOSTILE_KEYS) expect(await store().putStateIfAbsent(key, { key })).toBe(true);
      const all = await store().readState('');
      expect(all.map((e) => e.key)).toEqual([...HOSTILE_KEYS].sort(byCodePoint));
      expect(all.every((e) => (e.value as { key: string }).key === e.key)).toBe(true);
      // A prefix with wildcards matches only keys that start with those characters.
      expect((await store().readState('a:b:')).map((e) => e.key)).toEqual(['a:b:*']);
      expect(await store().readState('like_%%')).toEqual([]);
      expect((await store().readState('glob?')).map((e) => e.key)).toEqual(['glob?[x]']);
    });

    it('deletes an entry (true once), after which the key can be written again', async () => {
      await store().putStateIfAbsent('gone', 1);
      expect(await store().deleteState('gone')).toBe(true);
      expect(await store().deleteState('gone')).toBe(false);
      expect(await store().readState('gone')).toEqual([]);
      expect(await store().putStateIfAbsent('gone', 2)).toBe(true);
      expect((await store().readState('gone')).map((e) => e.value)).toEqual([2]);
    });

    it('returns copies: changing a value read back or written changes nothing stored', async () => {
      const value = { list: [1] };
      await store().putStateIfAbsent('copy', value);
      value.list.push(2);
      const [read] = await store().readState('copy');
      (read!.value as { list: number[] }).list.push(3);
      expect((await store().readState('copy')).map((e) => e.value)).toEqual([{ list: [1] }]);
    });

    it('rejects invalid keys and values with a permanent StorageError, storing nothing', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const calls: [string, () => Promise<unknown>][] = [
        ['an empty key', () => store().putStateIfAbsent('', 1)],
        ['a key with U+0000', () => store().putStateIfAbsent('a\u0000b', 1)],
        ['a key with a lone surrogate', () => store().putStateIfAbsent('a\ud800', 1)],
        ['a key of 513 characters', () => store().putStateIfAbsent('k'.repeat(513), 1)],
        ['an undefined value', () => store().putStateIfAbsent('u', undefined)],
        ['a BigInt value', () => store().putStateIfAbsent('b', 1n)],
        ['a cyclic value', () => store().putStateIfAbsent('c', cyclic)],
        ['a value past 64 KiB of JSON', () => store().putStateIfAbsent('big', 'x'.repeat(65_536))],
      ];
      for (const [what, call] of calls) {
        const error = await rejection(h, what, call);
        expectStorageError(h, what, error);
        expect(`${what}: ${isPulsewatchError(error) && (error as { permanent?: boolean }).permanent === true}`).toBe(`${what}: true`);
      }
      expect(await store().readState('')).toEqual([]);
    });
  });
}
