import type { RedisKeys } from './redis-keys.js';
import { exec } from './redis-exec.js';
import { endOf } from './redis-codec.js';
import { bound, type RedisClient } from './redis-rollups.js';
import { drawEpoch } from '../rollup-changes.js';
import type { SideFailureReporter } from '../side-failures.js';
import { SkippedValues } from '../skipped-values.js';

/** Drops `<name>` from `names`, and its change log, unless a write re-created its index meanwhile (atomic). */
export const FORGET_NAME = `if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('DEL', KEYS[3], KEYS[4]) return redis.call('SREM', KEYS[1], ARGV[1]) end return 0`;

/**
 * Drops from the name index (KEYS[1]), with their kinds (KEYS[2]) and their place in the name
 * order (KEYS[3]), the names whose latest rollup ended at or before ARGV[1] (a purge). The order
 * keeps its TTL (a rebuild would drop it); an emptied index leaves no order (stale names with it).
 */
const FORGET_ENDED_NAMES = `local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for i = 1, #gone, 1000 do
  redis.call('HDEL', KEYS[2], unpack(gone, i, math.min(i + 999, #gone)))
  redis.call('ZREM', KEYS[3], unpack(gone, i, math.min(i + 999, #gone)))
end
local n = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[3]) end
return n`;

/**
 * Deletes every rollup that ended at or before `timestamp` and returns how many went. The
 * count comes from ZREM's replies, so it is exact even when two instances purge at once.
 */
export async function purgeRollups(client: RedisClient, keys: RedisKeys, timestamp: number, report: SideFailureReporter = () => {}): Promise<number> {
  if (Number.isNaN(timestamp) || timestamp === -Infinity) return 0;
  const names = (await client.smembers(keys.names)) as string[];
  if (names.length === 0) return 0;
  const indexPipe = client.pipeline();
  for (const name of names) indexPipe.zrange(keys.index(name), 0, -1);
  const indexes = (await exec(indexPipe)) as string[][];
  const seriesKeys: string[] = [];
  indexes.forEach((list, i) => {
    for (const labelsJson of list) seriesKeys.push(keys.series(names[i]!, labelsJson));
  });
  const removeBefore = bound(timestamp, true);
  const readPipe = client.pipeline();
  for (const key of seriesKeys) readPipe.zrangebyscore(key, '-inf', removeBefore);
  const candidates = seriesKeys.length > 0 ? ((await exec(readPipe)) as string[][]) : [];
  const removePipe = client.pipeline();
  let removals = 0;
  // A member whose end does not decode (torn, foreign) stays (its key's TTL removes it): reported, not the purge's failure.
  const skipped = new SkippedValues('RedisStorage');
  const endedBy = (member: string): boolean => {
    try {
      return endOf(member) <= timestamp;
    } catch (error) {
      skipped.add(member, error);
      return false;
    }
  };
  candidates.forEach((list, i) => {
    const ended = list.filter(endedBy);
    if (ended.length > 0) {
      removePipe.zrem(seriesKeys[i]!, ...ended);
      removals++;
    }
  });
  skipped.reportTo(report, 'purgeBefore', 'stored rollup', 'stored rollups');
  const removedCounts = removals > 0 ? ((await exec(removePipe)) as number[]) : [];
  const removed = removedCounts.reduce((sum, n) => sum + Number(n), 0);
  const cleanup = client.pipeline();
  for (const name of names) cleanup.zremrangebyscore(keys.index(name), '-inf', bound(timestamp, false));
  for (const name of names) cleanup.eval(FORGET_NAME, 4, keys.names, keys.index(name), keys.changes(name), keys.changeTimes(name), name);
  cleanup.eval(FORGET_ENDED_NAMES, 3, keys.nameIndex, keys.nameKinds, keys.nameLex, bound(timestamp, false));
  // The change log lists writes, not removals: a reader holding a cursor (even one up to date)
  // would keep what was just removed. A new epoch, set after the removals, makes every cursor
  // taken before it read as incomplete (its reader reads its range again); a cursor taken after
  // it goes with a range read that no longer holds them. Only when something went: a purge that
  // removes nothing leaves readers be.
  if (removed > 0) cleanup.hset(keys.changeState, 'epoch', drawEpoch(Date.now()));
  await exec(cleanup);
  return removed;
}
