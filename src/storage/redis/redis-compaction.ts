import { COMPACTED_INSTANCE, compactionGroups, mergeRollups, type CompactionResult } from '../compaction.js';
import type { Rollup } from '../contract.js';
import { decodeRollup, decodeSeriesLabels, encodeRollup } from './redis-codec.js';
import { exec } from './redis-exec.js';
import type { RedisKeys } from './redis-keys.js';
import { bound, type RedisClient } from './redis-rollups.js';
import type { SideFailureReporter } from '../side-failures.js';
import { SkippedValues } from '../skipped-values.js';

/** How a compacted member begins (the codec writes `instance` first). */
const COMPACTED_PREFIX = `{"instance":${JSON.stringify(COMPACTED_INSTANCE)},`;

/**
 * Replaces spans atomically. KEYS: the series index, the name's compacted-span set, then the
 * series keys. ARGV: the span length, the TTL (retention), the labels JSON of each series (in KEYS order after the first
 * two), then per span: its series' position among the series keys (1-based), the member count,
 * the members, the compacted rollup's score (the span start), its member and its end. A span
 * whose members are not all still there (a write replaced one since they were read) is left as
 * it is, and so is one where the series holds another compacted member of the span's start (a
 * coarser span's: the new one would take its key); otherwise its
 * members are removed and the compacted one added, the name's compacted-span set learns the span
 * scored by the latest end compacted to it (a query starting before that end widens its lower
 * bound by the span) and the series' latest end
 * moves up to the span's end if it was before (ZADD GT). Returns the members removed and the
 * compacted rollups added.
 */
const COMPACT_SPANS = `
local span, ttl = ARGV[1], ARGV[2]
local compacted = [[${COMPACTED_PREFIX}]]
local nSeries = #KEYS - 2
local a = 3 + nSeries
local merged, written = 0, 0
while a <= #ARGV do
  local s, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local key = KEYS[2 + s]
  local present = true
  for i = 1, n do
    if not redis.call('ZSCORE', key, ARGV[a + 1 + i]) then present = false end
  end
  if present then
    -- A compacted member of the same start not merged here (a coarser span's): this span's would
    -- take its key, so the span is left for the coarser tier.
    local start = ARGV[a + 2 + n]
    for _, old in ipairs(redis.call('ZRANGEBYSCORE', key, start, start)) do
      if string.sub(old, 1, #compacted) == compacted then
        local ours = false
        for i = 1, n do
          if ARGV[a + 1 + i] == old then ours = true end
        end
        if not ours then present = false end
      end
    end
  end
  if present then
    for i = 1, n do redis.call('ZREM', key, ARGV[a + 1 + i]) end
    redis.call('ZADD', key, ARGV[a + 2 + n], ARGV[a + 3 + n])
    redis.call('ZADD', KEYS[1], 'GT', ARGV[a + 4 + n], ARGV[2 + s])
    redis.call('ZADD', KEYS[2], 'GT', ARGV[a + 4 + n], span)
    merged = merged + n
    written = written + 1
  end
  a = a + 5 + n
end
if written > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return {merged, written}
`;

/** Series read per round trip: a call that stops at its limit has read at most this many series past what it merged. */
const SERIES_PER_READ = 25;

/**
 * `compactRollups` of {@link RedisStorage}: per metric name (in name order, from `P names`), its
 * series (from its index, in labels order) are read in pipelines of {@link SERIES_PER_READ}, their
 * rollups grouped by span here, and each read's spans replaced by one script (atomic: Redis runs a
 * script whole). A call that reaches its limit remembers the name and series it stopped at; the
 * next call starts there, so a backlog is read once, not once per call.
 */
export class RedisCompaction {
  private readonly resume = new Map<number, { name: string; series: string }>();

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly retention: number,
    /** Where the stored values a call skips (a torn member, a series index entry that is no label set) are reported. */
    private readonly report: SideFailureReporter = () => {},
  ) {}

  /**
   * One call (the request checked already); `cutoff`: what retention hides. A value that does
   * not decode is left where it is (never merged nor removed) and reported once per call.
   */
  async compact(span: number, before: number, limit: number, cutoff: number): Promise<CompactionResult> {
    const skipped = new SkippedValues('RedisStorage');
    try {
      return await this.compactNames(span, before, limit, cutoff, skipped);
    } finally {
      skipped.reportTo(this.report, 'compactRollups', 'stored value (series labels or rollup)', 'stored values (series labels or rollups)');
    }
  }

  private async compactNames(span: number, before: number, limit: number, cutoff: number, skipped: SkippedValues): Promise<CompactionResult> {
    const names = ((await this.client.smembers(this.keys.names)) as string[]).sort();
    const from = this.resume.get(span);
    const result: CompactionResult = { merged: 0, written: 0, done: true };
    for (const name of names) {
      if (from !== undefined && name < from.name) continue;
      let series = ((await this.client.zrangebyscore(this.keys.index(name), bound(cutoff, true), '+inf')) as string[]).sort();
      if (from !== undefined && name === from.name) series = series.filter((labelsJson) => labelsJson >= from.series);
      for (let i = 0; i < series.length; i += SERIES_PER_READ) {
        const part = await this.compactSeries(name, series.slice(i, i + SERIES_PER_READ), span, before, cutoff, limit - result.merged, result.merged === 0, skipped);
        result.merged += part.merged;
        result.written += part.written;
        if (part.stoppedAt !== undefined) {
          result.done = false;
          this.resume.set(span, { name, series: part.stoppedAt });
          return result;
        }
      }
    }
    this.resume.delete(span);
    return result;
  }

  /** Compacts the spans of some series of `name`, up to `room` rollups merged (one span at least when `first`). */
  private async compactSeries(
    name: string,
    series: string[],
    span: number,
    before: number,
    cutoff: number,
    room: number,
    first: boolean,
    skipped: SkippedValues,
  ): Promise<{ merged: number; written: number; stoppedAt: string | undefined }> {
    const pipe = this.client.pipeline();
    // Scored by start: one that ends by `before` starts before it.
    for (const labelsJson of series) pipe.zrangebyscore(this.keys.series(name, labelsJson), '-inf', bound(before, true));
    const lists = (await exec(pipe)) as string[][];
    const argv: (string | number)[] = [span, Math.ceil(this.retention), ...series];
    let merged = 0;
    let spans = 0;
    let stoppedAt: string | undefined;
    outer: for (let s = 0; s < series.length; s++) {
      let labels: Record<string, string>;
      try {
        labels = decodeSeriesLabels(series[s]!);
      } catch (error) {
        skipped.add(series[s]!, error);
        continue;
      }
      const members = new Map<Rollup, string>();
      for (const member of lists[s]!) {
        let r: Rollup;
        try {
          r = decodeRollup(member, name, labels);
        } catch (error) {
          skipped.add(member, error);
          continue;
        }
        if (r.end > cutoff) members.set(r, member);
      }
      for (const g of compactionGroups(members.keys(), span, before)) {
        if ((spans > 0 || !first) && merged + g.rollups.length > room) {
          stoppedAt = series[s];
          break outer;
        }
        const compacted = mergeRollups(g.rollups, g.spanStart, span);
        argv.push(s + 1, g.rollups.length, ...g.rollups.map((r) => members.get(r)!), g.spanStart, encodeRollup(compacted), compacted.end);
        merged += g.rollups.length;
        spans++;
      }
    }
    if (spans === 0) return { merged: 0, written: 0, stoppedAt };
    const keys = [this.keys.index(name), this.keys.compactedSpans(name), ...series.map((labelsJson) => this.keys.series(name, labelsJson))];
    const [m, w] = (await this.client.call('EVAL', [COMPACT_SPANS, keys.length, ...keys, ...argv])) as [number, number];
    return { merged: m, written: w, stoppedAt };
  }
}
