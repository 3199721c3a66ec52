import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { encodeRollup, identityLength } from './redis-codec.js';
import { canonicalLabels } from '../../core/labels.js';
import type { RedisKeys } from './redis-keys.js';
import type { Rollup } from '../contract.js';
import { partitionRollups, rejectionError } from '../rollup-validation.js';
import { CHANGE_HORIZON, drawEpoch } from '../rollup-changes.js';

/** Most batches a metric's change log keeps, whatever their age. */
const MAX_CHANGE_BATCHES = 10_000;

/** An ioredis client: standalone or cluster. */
export type RedisClient = Redis | Cluster;

interface SeriesBatch {
  labelsJson: string;
  /** The kind of the rollup that ends at `maxEnd`. */
  kind: string;
  /** score, member, identity length (see identityLength) per rollup. */
  args: (string | number)[];
  maxEnd: number;
  maxLength: number;
}

/**
 * Writes one batch atomically, in one command. KEYS: the names set, the change logs' state (epoch
 * and sequence), the name index, the names' kinds and the name order, then per name its index, its slot-length set, its compacted-span set, its change log and change times, and
 * its series keys. ARGV: ttl, index cutoff, name count, trim ('1': also remove what retention
 * hides, as the writer asks once a minute), the writer's now, the change horizon, the most
 * changes kept, an epoch to set when the state has none (drawn per write: after a flush or an
 * eviction the sequence restarts under a new epoch, never under one a reader holds), then per name:
 * name, series count, length count, the batch's latest end and that rollup's kind, the name's
 * change log entry (the write's token, then one line of labels JSON, tab, member per rollup,
 * series by series: the members and labels are cut from it), lengths..., per series: member
 * count, score/identity-length pairs; then per series: latest end. Per series:
 * for a member naming an instance, ZREM of the members of its start that name the same instance
 * (one rollup per series, start and instance: a rewrite replaces), then ZADD, PEXPIRE,
 * when trimming ZREMRANGEBYSCORE of members that ended before the cutoff (those that start before
 * the cutoff less the longest length of the name's slot-length and compacted-span sets); per name: one ZADD GT
 * into the index (latest slot end), when trimming ZREMRANGEBYSCORE of series with nothing left,
 * slot lengths, SADD names, ZADD GT of the latest end into the name index (and the kind when that
 * moved it or none is kept), ZADD 0 into the name order (emptied first when the index has expired) (so a stored name is walked at once, and
 * only a stored one), PEXPIRE everything (the order with the index); HINCRBY of the state's `kept`
 * by the name count (see redis-name-page.ts); when trimming, names that ended before the cutoff
 * leave the name index, the order and their kinds with them. Per name, the entry goes to its
 * change log as it came, scored by the next sequence number (`readRollupChanges`), and entries
 * older than the horizon, or past the most kept, leave it. The client builds the entry: Lua
 * hashes every string it makes, byte by byte, so joining the lines in the script (as before)
 * cost a third of the server's time per rollup.
 */
const WRITE_BATCH = `
local ttl, cutoff, trimming = ARGV[1], ARGV[2], ARGV[4] == '1'
local now, horizon, maxChanges = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local WIDE = string.rep('~', 256)
redis.call('HSETNX', KEYS[2], 'epoch', ARGV[8])
-- The index expired (or was never written): the order left, if any (a page renewed it), holds only stale names.
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('DEL', KEYS[5]) end
local a, k = 9, 6
for n = 1, tonumber(ARGV[3]) do
  local name, nSeries, nLengths, nameEnd, nameKind, entry = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  a = a + 6
  local idx, len, clen, chg, chgt = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  k = k + 5
  for i = 1, nLengths do
    redis.call('ZADD', len, ARGV[a], ARGV[a])
    a = a + 1
  end
  redis.call('PEXPIRE', len, ttl)
  redis.call('PEXPIRE', clen, ttl)
  -- Members are scored by start: one that starts before cutoff - the name's longest part (slot
  -- or compacted span) has ended by the cutoff. Not the batch's longest: a compacted span is longer.
  local longest = tonumber(redis.call('ZREVRANGE', len, 0, 0)[1] or '0')
  for _, l in ipairs(redis.call('ZRANGE', clen, 0, -1)) do longest = math.max(longest, tonumber(l)) end
  local trim = string.format('(%.17g', tonumber(cutoff) - longest)
  -- Members and labels are cut from the change log entry (its first line is the write's token,
  -- then a line of labels JSON, tab, member per rollup, series by series): built by the client,
  -- so each byte reaches the script once (Lua hashes every string it makes, whole).
  local pos, labels = string.find(entry, '\\n', 1, true) + 1, {}
  for s = 1, nSeries do
    local key = KEYS[k]
    k = k + 1
    local m = tonumber(ARGV[a])
    a = a + 1
    for i = 1, m do
      local tab = string.find(entry, '\\t', pos, true)
      local nl = string.find(entry, '\\n', tab + 1, true) or #entry + 1
      if i == 1 then labels[s] = string.sub(entry, pos, tab - 1) end
      local member = string.sub(entry, tab + 1, nl - 1)
      pos = nl + 1
      local score, plen = ARGV[a], tonumber(ARGV[a + 1])
      a = a + 2
      if plen > 0 then
        local prefix = string.sub(member, 1, plen)
        for _, old in ipairs(redis.call('ZRANGEBYSCORE', key, score, score)) do
          if old ~= member and string.sub(old, 1, plen) == prefix then redis.call('ZREM', key, old) end
        end
      end
      redis.call('ZADD', key, score, member)
    end
    redis.call('PEXPIRE', key, ttl)
    if trimming then redis.call('ZREMRANGEBYSCORE', key, '-inf', trim) end
  end
  local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
  redis.call('ZADD', chg, seq, entry)
  redis.call('ZADD', chgt, now, seq)
  local old = redis.call('ZRANGEBYSCORE', chgt, '-inf', now - horizon)
  if #old > 0 then
    local top = 0
    for _, v in ipairs(old) do top = math.max(top, tonumber(v)) end
    redis.call('ZREMRANGEBYSCORE', chg, '-inf', top)
    redis.call('ZREMRANGEBYSCORE', chgt, '-inf', now - horizon)
  end
  redis.call('ZREMRANGEBYRANK', chg, 0, -maxChanges - 1)
  redis.call('ZREMRANGEBYRANK', chgt, 0, -maxChanges - 1)
  redis.call('PEXPIRE', chg, ttl)
  redis.call('PEXPIRE', chgt, ttl)
  local ends = {}
  for s = 1, nSeries do
    ends[2 * s - 1], ends[2 * s] = ARGV[a], labels[s]
    a = a + 1
  end
  -- An index of up to 128 short members is a listpack, where ZADD costs O(n) a member: a batch
  -- of n series O(n^2) (100 series: 208 µs against 39 as a skiplist, 2 µs a rollup). A member
  -- longer than zset-max-listpack-value makes it a skiplist for good (ZREM does not turn it back);
  -- it leaves before the script ends, so no reader sees it.
  local widen = nSeries >= 16 and redis.call('OBJECT', 'ENCODING', idx) ~= 'skiplist'
  if widen then redis.call('ZADD', idx, '-inf', WIDE) end
  for i = 1, #ends, 1000 do redis.call('ZADD', idx, 'GT', unpack(ends, i, math.min(i + 999, #ends))) end
  if widen then redis.call('ZREM', idx, WIDE) end
  if trimming then redis.call('ZREMRANGEBYSCORE', idx, '-inf', cutoff) end
  redis.call('PEXPIRE', idx, ttl)
  redis.call('SADD', KEYS[1], name)
  if redis.call('ZADD', KEYS[3], 'GT', 'CH', nameEnd, name) == 1 or redis.call('HEXISTS', KEYS[4], name) == 0 then
    redis.call('HSET', KEYS[4], name, nameKind)
  end
  redis.call('ZADD', KEYS[5], 0, name)
end
-- The order kept with the index: writes that did not keep it (an older version's) are the
-- sequence's lead over this count, which the page script watches.
redis.call('HINCRBY', KEYS[2], 'kept', tonumber(ARGV[3]))
if trimming then
  local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', cutoff)
  for i = 1, #gone, 1000 do
    redis.call('HDEL', KEYS[4], unpack(gone, i, math.min(i + 999, #gone)))
    redis.call('ZREM', KEYS[5], unpack(gone, i, math.min(i + 999, #gone)))
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', cutoff)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('PEXPIRE', KEYS[5], ttl)
return 1`;

/** WRITE_BATCH's SHA-1, for EVALSHA. */
const WRITE_BATCH_SHA = createHash('sha1').update(WRITE_BATCH).digest('hex');

/** Longest time between two trims of what retention hides (as MemoryStorage's sweep). */
const TRIM_INTERVAL = 60_000;

/**
 * Writes rollup batches, each in one round trip: a single EVALSHA of {@link WRITE_BATCH} (EVAL
 * the first time, and again when the server answers NOSCRIPT: restarted, flushed, failed over),
 * so a batch is stored all or nothing (a retry after a lost reply rewrites identical members: no
 * duplicates; a rollup naming an instance replaces the one of its series, start and instance).
 * Rollups that ended at or before the cutoff are skipped, as MemoryStorage does; what retention
 * hides is trimmed by one write a minute at most (keys expire `retention` after their last
 * write anyway, and reads skip it). Invalid rollups are left out; once the rest is stored the
 * call rejects with a permanent StorageError listing their indexes.
 */
export class RedisRollupWriter {
  private lastTrim = -Infinity;
  private scriptLoaded = false;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly retention: number,
  ) {}

  /** Stores the valid rollups of the batch; `now` is the adapter's clock (ms). */
  async write(rollups: readonly Rollup[], now: number): Promise<void> {
    const partition = partitionRollups(rollups);
    const trim = now - this.lastTrim >= Math.min(this.retention, TRIM_INTERVAL);
    if (trim) this.lastTrim = now;
    // Drawn per write, never at construction: a store created at module scope draws nothing.
    const command = writeCommand(this.keys, partition.valid, now - this.retention, this.retention, trim, now, drawEpoch(now));
    if (command !== undefined) await this.evaluate(command);
    if (partition.rejected.length > 0) throw rejectionError('RedisStorage', rollups.length, partition);
  }

  private async evaluate(args: (string | number)[]): Promise<void> {
    if (this.scriptLoaded) {
      try {
        await this.client.call('EVALSHA', [WRITE_BATCH_SHA, ...args]);
        return;
      } catch (error) {
        // Not run: the server does not hold the script. Anything else is the write's failure.
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      }
    }
    await this.client.call('EVAL', [WRITE_BATCH, ...args]);
    this.scriptLoaded = true;
  }
}

/** The key count, keys and arguments of WRITE_BATCH for a batch; undefined when nothing is left to write. */
function writeCommand(keys: RedisKeys, rollups: readonly Rollup[], cutoff: number, retention: number, trim: boolean, now: number, epoch: string): (string | number)[] | undefined {
  const byName = new Map<string, Map<string, SeriesBatch>>();
  for (const r of rollups) {
    if (r.end <= cutoff) continue;
    let series = byName.get(r.name);
    if (series === undefined) byName.set(r.name, (series = new Map()));
    const labelsJson = canonicalLabels(r.labels);
    let s = series.get(labelsJson);
    if (s === undefined) series.set(labelsJson, (s = { labelsJson, kind: r.kind, args: [], maxEnd: -Infinity, maxLength: 0 }));
    s.args.push(r.start, encodeRollup(r), identityLength(r));
    if (r.end >= s.maxEnd) {
      s.maxEnd = r.end;
      s.kind = r.kind;
    }
    if (r.end - r.start > s.maxLength) s.maxLength = r.end - r.start;
  }
  if (byName.size === 0) return undefined;
  const scriptKeys: string[] = [keys.names, keys.changeState, keys.nameIndex, keys.nameKinds, keys.nameLex];
  const argv: (string | number)[] = [Math.ceil(retention), bound(cutoff, false), byName.size, trim ? '1' : '0', now, CHANGE_HORIZON, MAX_CHANGE_BATCHES, epoch];
  for (const [name, series] of byName) {
    scriptKeys.push(keys.index(name), keys.lengths(name), keys.compactedSpans(name), keys.changes(name), keys.changeTimes(name));
    const lengths = [...new Set([...series.values()].map((s) => s.maxLength))];
    const latest = latestOf(series.values());
    // The change log entry: a token unique to the write (readers skip the first line), then the lines.
    let entry = epoch;
    for (const s of series.values()) for (let i = 1; i < s.args.length; i += 3) entry += `\n${s.labelsJson}\t${s.args[i]}`;
    argv.push(name, series.size, lengths.length, latest.maxEnd, latest.kind, entry, ...lengths);
    for (const s of series.values()) {
      scriptKeys.push(keys.series(name, s.labelsJson));
      argv.push(s.args.length / 3);
      for (let i = 0; i < s.args.length; i += 3) argv.push(s.args[i]!, s.args[i + 2]!);
    }
    for (const s of series.values()) argv.push(s.maxEnd);
  }
  return [scriptKeys.length, ...scriptKeys, ...argv];
}

/** The series of a batch whose rollup ends last (the name's latest end and kind). */
function latestOf(series: Iterable<SeriesBatch>): SeriesBatch {
  let latest: SeriesBatch | undefined;
  for (const s of series) if (latest === undefined || s.maxEnd >= latest.maxEnd) latest = s;
  return latest!;
}

/** A score bound for Redis: `(n` when exclusive, `-inf`/`+inf` for infinities. */
export function bound(n: number, exclusive: boolean): string {
  if (n === Infinity) return '+inf';
  if (n === -Infinity) return '-inf';
  return exclusive ? `(${n}` : String(n);
}
