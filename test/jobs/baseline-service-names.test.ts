/**
 * Job baselines of a service whose name a state key cannot hold as is: a lone surrogate
 * (encodeURIComponent throws on it) and a long non-ASCII name (its encoding alone passes the
 * state role's 512-character keys). Both are stored and restored, and nothing rejects.
 */
import { describe, expect, it } from 'vitest';
import { baselineKeyPrefix } from '../../src/jobs/baseline-store.js';
import { MAX_STATE_KEY_LENGTH } from '../../src/storage/state.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { MAX_TYPE_LENGTH } from '../../src/jobs/options.js';
import { jobsHarness, T0, timedBody } from './harness.js';

const LONG_CJK = '服务'.repeat(60);
const LONE_SURROGATE = 'api\ud800';

describe('baselineKeyPrefix', () => {
  it('never throws and keeps every key of a type of the longest length under the state limit', () => {
    for (const service of [LONE_SURROGATE, '\udc00x', LONG_CJK, 'x'.repeat(10_000), '🚀'.repeat(500), '%~', '']) {
      const prefix = baselineKeyPrefix(service);
      expect((prefix + 't'.repeat(MAX_TYPE_LENGTH)).length).toBeLessThanOrEqual(MAX_STATE_KEY_LENGTH);
      expect(() => encodeURIComponent(prefix)).not.toThrow();
    }
  });

  it('keeps a short name as its encoding and tells long names apart', () => {
    expect(baselineKeyPrefix('a:b')).toBe('pulsewatch:jobs:baseline:a%3Ab:');
    expect(baselineKeyPrefix(`${LONG_CJK}a`)).not.toBe(baselineKeyPrefix(`${LONG_CJK}b`));
    expect(baselineKeyPrefix(LONG_CJK)).toBe(baselineKeyPrefix(LONG_CJK));
    // A short name spelled like a hashed part is still its own: `%` is encoded.
    const hashed = baselineKeyPrefix(LONG_CJK).slice('pulsewatch:jobs:baseline:'.length, -1);
    expect(baselineKeyPrefix(hashed)).not.toBe(baselineKeyPrefix(LONG_CJK));
  });
});

describe.each([
  ['a long non-ASCII name', LONG_CJK],
  ['a lone surrogate', LONE_SURROGATE],
])('job baselines of a service with %s', (_what, service) => {
  it('are stored in the state role and restored by a new instance, with no error', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const first = jobsHarness({ clock, storage, service });
    const { body } = timedBody(first.clock, 50);
    first.jobs.define('media', body);
    for (let i = 0; i < 10; i++) {
      const handle = await first.jobs.enqueue('media', i);
      await clock.advanceAsync(50);
      await handle.result;
    }
    const learned = await first.jobs.baselines();
    expect(learned.map((b) => b.jobType)).toEqual(['media']);
    await first.jobs.close();
    expect(first.errors).toEqual([]);
    expect((await storage.readState('')).map((e) => e.key)).toEqual([`${baselineKeyPrefix(service)}media`]);
    const second = jobsHarness({ clock, storage, service });
    second.jobs.define('media', () => undefined);
    expect(await second.jobs.baselines()).toEqual(learned);
    expect(second.errors).toEqual([]);
    await second.jobs.close();
    await storage.close();
  });
});
