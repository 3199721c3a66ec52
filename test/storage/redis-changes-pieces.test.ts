// The Redis change log's answer is decoded in pieces, the event loop turning between them: after a
// slot closed a write batch holds a line per series (5,000 of them were decoded in one stretch).
// A stub client answers the read script as Redis does, so the decode alone is under test.
import { describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/storage/contract.js';
import { encodeRollup } from '../../src/storage/redis/redis-codec.js';
import { DECODE_PIECE, readRollupChanges } from '../../src/storage/redis/redis-changes.js';
import type { RedisKeys } from '../../src/storage/redis/redis-keys.js';
import type { RedisClient } from '../../src/storage/redis/redis-rollups.js';

const T0 = 1_800_000_000_000;

function rollup(i: number): Rollup {
  return { name: 'req', kind: 'counter', labels: { route: `/r/${i}` }, start: T0, end: T0 + 30_000, count: 1, sum: i, min: i, max: i, last: i, instance: 'a' };
}

/** A change log entry as WRITE_BATCH writes it: its sequence number, then a line per rollup (labels JSON, tab, member). */
function entry(seq: number, rollups: Rollup[]): string {
  return [String(seq), ...rollups.map((r) => `${JSON.stringify(r.labels)}\t${encodeRollup(r)}`)].join('\n');
}

describe('readRollupChanges (Redis): a large answer', () => {
  it('is decoded in pieces with a turn of the event loop between them, the same rollups in the same order', async () => {
    const written = Array.from({ length: 2 * DECODE_PIECE + 10 }, (_, i) => rollup(i));
    const entries = [entry(4, written.slice(0, 10)), entry(5, written.slice(10))];
    // The reply as bytes, as the client answers callBuffer.
    const client = { callBuffer: async () => [Buffer.from('ep'), Buffer.from('5'), Buffer.from('4'), entries.map((e) => Buffer.from(e))] } as unknown as RedisClient;
    const keys = { changes: (name: string) => `chg:${name}`, changeState: 'chgstate' } as unknown as RedisKeys;
    let turns = 0;
    let reading = true;
    const count = (): void => {
      turns++;
      if (reading) setImmediate(count);
    };
    setImmediate(count);
    const changes = await readRollupChanges(client, keys, 'req', 'ep:3', 'new');
    reading = false;
    expect(changes.complete).toBe(true);
    expect(changes.cursor).toBe('ep:5');
    expect(changes.rollups).toEqual(written);
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});
