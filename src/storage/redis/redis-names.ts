import type { MetricKind, MetricNameQuery, StoredMetricName } from '../contract.js';
import { clampNameLimit, isWellFormedText } from '../metric-names.js';
import { type PageStats, readNamePage } from './redis-name-page.js';
import { decodeRollup } from './redis-codec.js';
import { exec } from './redis-exec.js';
import { FORGET_NAME } from './redis-purge.js';
import type { RedisKeys } from './redis-keys.js';
import { bound, type RedisClient } from './redis-rollups.js';

/** How often (ms) listing looks for names `P names` holds and the index lacks. */
export const CATCH_UP_INTERVAL = 60_000;

/**
 * `RedisStorage.listMetricNames`: reads the name index the write script keeps (`P nameidx`,
 * names by latest slot end, and `P namekind`) through the name order (`P namelex`, the same
 * names walked by name, kept by the same script), never every name nor the per-name keys of every name. Two round trips
 * for a page: the page's names (redis-name-page.ts), then, for those only, their kinds and a
 * ZCOUNT of their series index.
 */
export class RedisNames {
  /** The catch-up running now, which every list waits for. */
  private catchingUp: Promise<void> | undefined;
  /** When (adapter's clock) the last catch-up started. */
  private lastCatchUp = -Infinity;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly retention: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The names with a rollup that ended after max(since, cutoff), in code point order, at most `limit`. */
  async list(query: MetricNameQuery, cutoff: number, stats?: PageStats): Promise<StoredMetricName[]> {
    // A store written before the index existed, or by an older version still running during a
    // rolling deploy (it adds to `P names` only), gets its new names indexed: on the first call,
    // then at most once a minute.
    const now = this.now();
    if (this.catchingUp === undefined && now - this.lastCatchUp >= CATCH_UP_INTERVAL) {
      this.lastCatchUp = now;
      this.catchingUp = this.indexUnindexed(cutoff)
        .catch((error: unknown) => {
          this.lastCatchUp = -Infinity;
          throw error;
        })
        .finally(() => (this.catchingUp = undefined));
    }
    await this.catchingUp;
    const after = Math.max(query.since, cutoff);
    const limit = clampNameLimit(query.limit);
    if (limit === 0 || after === Infinity) return [];
    // No name holds a lone surrogate (names are ASCII): nothing contains one.
    if (query.match !== undefined && !isWellFormedText(query.match)) return [];
    // `match` applies while the page is read, before the limit: a matching name is listed
    // wherever it falls in name order.
    const listed = await readNamePage(this.client, this.keys, after, limit, query.match, this.retention, stats);
    if (listed.length === 0) return [];
    const pipe = this.client.pipeline().hmget(this.keys.nameKinds, ...listed.map((n) => n.name));
    for (const n of listed) pipe.zcount(this.keys.index(n.name), bound(after, true), '+inf');
    const [kinds, ...counts] = (await exec(pipe)) as [(string | null)[], ...number[]];
    const out: StoredMetricName[] = [];
    for (let i = 0; i < listed.length; i++) {
      const series = Number(counts[i]);
      // The name's series index expired or was purged under it: nothing of it is left to read.
      if (series === 0) continue;
      const kind = (kinds[i] ?? (await this.latestKind(listed[i]!.name))) as MetricKind | undefined;
      if (kind !== undefined) out.push({ name: listed[i]!.name, kind, lastSeen: listed[i]!.lastSeen, series });
    }
    return out;
  }

  /**
   * Adds to the name index the names of `P names` it lacks (written by a version without it), with
   * their latest end (from their series index) and kind (from their latest rollup), and to the
   * name order. Names that ended before the cutoff are left out, as the write script trims them.
   */
  private async indexUnindexed(cutoff: number): Promise<void> {
    // Two counts first: the index holds only names of `P names`, so it lacks none when it is as large.
    const [known, indexed] = (await exec(this.client.pipeline().scard(this.keys.names).zcard(this.keys.nameIndex))) as [number, number];
    if (Number(known) <= Number(indexed)) return;
    const names = (await this.client.smembers(this.keys.names)) as string[];
    if (names.length === 0) return;
    const scores = (await this.client.call('ZMSCORE', [this.keys.nameIndex, ...names])) as (string | null)[];
    const missing = names.filter((_, i) => scores[i] === null);
    if (missing.length === 0) return;
    const pipe = this.client.pipeline();
    for (const name of missing) pipe.zrevrange(this.keys.index(name), 0, 0, 'WITHSCORES');
    const tops = (await exec(pipe)) as string[][];
    const add = this.client.pipeline();
    let added = 0;
    let forgotten = 0;
    for (let i = 0; i < missing.length; i++) {
      const [labelsJson, end] = tops[i]!;
      if (labelsJson === undefined) {
        // Its series index expired: nothing of the name is left. Dropped from `P names` (unless a
        // write re-creates the index meanwhile, atomically), so the counts above converge and the
        // next minute's check costs two counts, not this walk again.
        const name = missing[i]!;
        add.eval(FORGET_NAME, 4, this.keys.names, this.keys.index(name), this.keys.changes(name), this.keys.changeTimes(name), name);
        forgotten++;
        continue;
      }
      if (!(Number(end) > cutoff)) continue;
      const kind = await this.latestKind(missing[i]!, labelsJson);
      if (kind === undefined) continue;
      add.zadd(this.keys.nameIndex, 'GT', Number(end), missing[i]!).hsetnx(this.keys.nameKinds, missing[i]!, kind).zadd(this.keys.nameLex, 0, missing[i]!);
      added++;
    }
    if (added === 0 && forgotten === 0) return;
    if (added > 0) for (const key of [this.keys.nameIndex, this.keys.nameKinds, this.keys.nameLex]) add.pexpire(key, Math.ceil(this.retention));
    await exec(add);
  }

  /** The kind of the latest rollup of `name`'s series `labelsJson` (default: its latest series); undefined when none is left. */
  private async latestKind(name: string, labelsJson?: string): Promise<MetricKind | undefined> {
    const labels = labelsJson ?? ((await this.client.zrevrange(this.keys.index(name), 0, 0)) as string[])[0];
    if (labels === undefined) return undefined;
    const [member] = (await this.client.zrevrange(this.keys.series(name, labels), 0, 0)) as string[];
    return member === undefined ? undefined : decodeRollup(member, name, {}).kind;
  }
}
