import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { describeStorageAdapter } from '../../src/testing/storage-conformance.js';

describeStorageAdapter(
  'MemoryStorage',
  () => {
    const clock = new ManualClock();
    return { storage: new MemoryStorage({ now: () => clock.now() }), now: () => clock.now(), advance: (ms) => clock.advance(ms) };
  },
  { describe, it, expect, beforeEach, afterEach },
  { rollupChanges: true, metricNames: true, state: true, compaction: true },
);

describe('describeStorageAdapter', () => {
  it('without an api and without globals, throws a ConfigError that says what to pass', () => {
    const g = globalThis as Record<string, unknown>;
    expect(g['describe']).toBeUndefined(); // this project runs vitest without globals
    let error: unknown;
    try {
      describeStorageAdapter('x', () => ({ storage: new MemoryStorage() }));
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain("{ describe, it, expect, beforeEach, afterEach }) with them imported from 'vitest'");
  });
});
