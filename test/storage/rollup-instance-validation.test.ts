import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { rollupProblem } from '../../src/storage/rollup-validation.js';

const base: Rollup = { name: 'orders_total', kind: 'counter', labels: {}, start: 0, end: 30_000, count: 1, sum: 1, min: 1, max: 1 };

describe('rollup instance validation', () => {
  it('accepts a rollup without an instance, or with one of 1 to 256 well-formed characters', () => {
    for (const instance of [undefined, 'web-1', 'x'.repeat(256), 'hôte-日本-🚀']) expect(rollupProblem({ ...base, instance })).toBeUndefined();
  });

  it('refuses an empty, overlong, non-string, U+0000 or lone-surrogate instance, naming the field', () => {
    for (const instance of ['', 'x'.repeat(257), 42, 'a\u0000b', 'a\uD800']) expect(rollupProblem({ ...base, instance })).toMatch(/^instance must be/);
  });

  it('is a permanent rejection of that rollup alone in a batch', async () => {
    const storage = new MemoryStorage();
    const start = Date.now() - 60_000;
    const ok = { ...base, start, end: start + 30_000, instance: 'web-1' };
    const error = await storage.writeRollups([ok, { ...ok, instance: '' }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_PULSEWATCH_STORAGE', permanent: true, rejected: [1] });
    expect(await storage.queryRollups({ name: 'orders_total' })).toEqual([ok]);
  });
});
