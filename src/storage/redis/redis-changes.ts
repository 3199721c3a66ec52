import type { RollupChanges, Rollup } from '../contract.js';
import { ChangeLineDecoder } from './redis-change-lines.js';
import type { RedisKeys } from './redis-keys.js';
import type { RedisClient } from './redis-rollups.js';
import { parseCursor } from '../rollup-changes.js';
import { systemClock, yieldTurn } from '../../core/clock.js';
import type { SideFailureReporter } from '../side-failures.js';
import { EXAMPLE_BYTES, SkippedValues } from '../skipped-values.js';

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
 * between log entries: 2-5 µs of CPU each through JSON.parse (1-2 µs from the bytes now), so
 * 5,000 of them (every series of a metric after a slot closed) held the event loop 10-25 ms in
 * one stretch.
 */
export const DECODE_PIECE = 2_000;

const NEWLINE = 0x0a;

/**
 * The rollups of `name` written since `cursor` (`epoch:sequence`), from the change log the
 * writes keep (see WRITE_BATCH in redis-rollups.ts). Incomplete without a cursor, for a cursor
 * of another epoch (the store was flushed or restarted), or when the log no longer reaches
 * back to it (older than its horizon, or past its length). With `shared`, the rollups carry the
 * decoder's frozen labels of their series, not a copy each (see {@link ChangeLineDecoder.decode}).
 */
export async function readRollupChanges(
  client: RedisClient,
  keys: RedisKeys,
  name: string,
  cursor: string | undefined,
  newEpoch: string,
  decoder = new ChangeLineDecoder(),
  report: SideFailureReporter = () => {},
  shared = false,
): Promise<RollupChanges> {
  const at = parseCursor(cursor);
  // As bytes: the lines are decoded from them (redis-change-lines.ts), never made one string first.
  const [epochBytes, top, first, entries] = (await client.callBuffer('EVAL', [READ_CHANGES, 2, keys.changes(name), keys.changeState, at === undefined ? '+inf' : String(at.seq), newEpoch])) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer[],
  ];
  const epoch = epochBytes.toString('utf8');
  const last = Number(top.toString('latin1'));
  const next = `${epoch}:${last}`;
  if (at === undefined || at.epoch !== epoch || at.seq > last) return { rollups: [], cursor: next, complete: false };
  // The log holds every sequence number from its oldest to the last: it must reach back to the cursor.
  const complete = first.length === 0 ? at.seq === last : at.seq + 1 >= Number(first.toString('latin1'));
  if (!complete) return { rollups: [], cursor: next, complete: false };
  const rollups: Rollup[] = [];
  // A line that does not decode (a torn or foreign write) is skipped, not the read: the cursor
  // still moves past it (`next` is the log's last sequence), so it is not read again.
  const skipped = new SkippedValues('RedisStorage');
  let decoded = 0;
  for (const entry of entries) {
    // An entry is a write batch: its sequence number, then (after a slot closed) one line per series of the metric.
    let line = entry.indexOf(NEWLINE);
    while (line !== -1) {
      if (decoded >= DECODE_PIECE) {
        decoded = 0;
        await yieldTurn(systemClock);
      }
      const end = entry.indexOf(NEWLINE, line + 1);
      const to = end === -1 ? entry.length : end;
      try {
        rollups.push(decoder.decode(entry, line + 1, to, name, shared));
      } catch (error) {
        skipped.add(entry.toString('utf8', line + 1, Math.min(to, line + 1 + EXAMPLE_BYTES)), error);
      }
      decoded++;
      line = end;
    }
  }
  skipped.reportTo(report, 'readRollupChanges', `change log line of ${JSON.stringify(name)}`, `change log lines of ${JSON.stringify(name)}`);
  return { rollups, cursor: next, complete: true };
}
