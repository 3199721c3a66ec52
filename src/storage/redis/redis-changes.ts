import type { RollupChanges, Rollup } from '../contract.js';
import { decodeRollup } from './redis-codec.js';
import type { RedisKeys } from './redis-keys.js';
import type { RedisClient } from './redis-rollups.js';
import { parseCursor } from '../rollup-changes.js';
import { systemClock, yieldTurn } from '../../core/clock.js';

/**
 * Reads a change log atomically. KEYS: the log, the change logs' state (epoch and sequence). ARGV: the
 * sequence number read up to (exclusive bound `(n`; `+inf` reads nothing), the epoch to set when
 * the store has none yet (so a cursor taken before the first write stays valid). Returns the epoch,
 * the last sequence number written, the oldest one the log holds, and the entries after ARGV[1].
 */
const READ_CHANGES = `
redis.call('HSETNX', KEYS[2], 'epoch', ARGV[2])
local state = redis.call('HMGET', KEYS[2], 'epoch', 'seq')
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { state[1] or '', state[2] or '0', first[2] or '', redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf') }`;

/**
 * Rollups decoded between two turns of the event loop (a platform turn: the store has no clock),
 * between log entries: 2-5 µs of CPU each, so 5,000 of them (every series of a metric after a
 * slot closed) held the event loop 10-25 ms in one stretch.
 */
export const DECODE_PIECE = 2_000;

/**
 * The rollups of `name` written since `cursor` (`epoch:sequence`), from the change log the
 * writes keep (see WRITE_BATCH in redis-rollups.ts). Incomplete without a cursor, for a cursor
 * of another epoch (the store was flushed or restarted), or when the log no longer reaches
 * back to it (older than its horizon, or past its length).
 */
export async function readRollupChanges(client: RedisClient, keys: RedisKeys, name: string, cursor: string | undefined, newEpoch: string): Promise<RollupChanges> {
  const at = parseCursor(cursor);
  const [epoch, top, first, entries] = (await client.eval(READ_CHANGES, 2, keys.changes(name), keys.changeState, at === undefined ? '+inf' : String(at.seq), newEpoch)) as [
    string,
    string,
    string,
    string[],
  ];
  const last = Number(top);
  const next = `${epoch}:${last}`;
  if (at === undefined || at.epoch !== epoch || at.seq > last) return { rollups: [], cursor: next, complete: false };
  // The log holds every sequence number from its oldest to the last: it must reach back to the cursor.
  const complete = first === '' ? at.seq === last : at.seq + 1 >= Number(first);
  if (!complete) return { rollups: [], cursor: next, complete: false };
  const rollups: Rollup[] = [];
  const labelsOf = new Map<string, Record<string, string>>();
  let decoded = 0;
  for (const entry of entries) {
    let line = entry.indexOf('\n');
    while (line !== -1) {
      // An entry is a write batch: after a slot closed, one line per series of the metric.
      if (decoded >= DECODE_PIECE) {
        decoded = 0;
        await yieldTurn(systemClock);
      }
      const end = entry.indexOf('\n', line + 1);
      const text = entry.slice(line + 1, end === -1 ? undefined : end);
      const tab = text.indexOf('\t');
      const json = text.slice(0, tab);
      let labels = labelsOf.get(json);
      if (labels === undefined) labelsOf.set(json, (labels = JSON.parse(json) as Record<string, string>));
      rollups.push(decodeRollup(text.slice(tab + 1), name, labels));
      decoded++;
      line = end;
    }
  }
  return { rollups, cursor: next, complete: true };
}
