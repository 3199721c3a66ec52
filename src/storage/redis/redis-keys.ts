import { createHash } from 'node:crypto';

/**
 * The key layout of {@link RedisStorage} under one prefix `P` (default `pulsewatch:`):
 *
 * | key                       | type   | holds                                                        |
 * | ------------------------- | ------ | ------------------------------------------------------------ |
 * | `P names`                 | set    | metric names that have rollups                               |
 * | `P nameidx`               | zset   | metric names by their latest slot end (`listMetricNames`)    |
 * | `P namekind`              | hash   | metric name → kind of its latest rollup                      |
 * | `P namelex`               | zset   | the names of `P nameidx`, all at score 0: walked by name (ZRANGEBYLEX); kept by the write script |
 * | `P namelex:at`            | string | when (Redis' clock, ms) `P namelex` was last mended from `P nameidx` |
 * | `P idx:<name>`            | zset   | the series of `<name>`: member = labels as JSON, score = latest slot end |
 * | `P len:<name>`            | zset   | slot lengths seen for `<name>` (member = score = length in ms) |
 * | `P clen:<name>`           | zset   | compacted span lengths of `<name>`: member = length, score = latest end compacted to it |
 * | `P r:<name>:<series id>`  | zset   | rollups of one series: score = slot start, member = rollup JSON |
 * | `P lease:<key>`           | string | a lease, `SET NX PX ttl`                                     |
 * | `P alerts`                | hash   | alert id → alert JSON                                        |
 * | `P rules`, `P rules:order`| hash + zset | rule id → JSON; id → insertion sequence               |
 * | `P dl`, `P dl:order`      | hash + zset | notification dead letters, same shape                 |
 * | `P jdl`, `P jdl:order`    | hash + zset | job dead letters, same shape                          |
 * | `P seq`                   | string | insertion sequence counter for the `:order` sets            |
 * | `P state`                 | hash   | state key → `updatedAt`, newline, value JSON (the state role) |
 * | `P state:keys`            | zset   | the state keys, score 0, for prefix reads by ZRANGEBYLEX      |
 * | `P chg:<name>`            | zset   | rollups of `<name>` written per batch, by sequence number (last 2 minutes) |
 * | `P chgt:<name>`           | zset   | when each of those batches was written                       |
 * | `P chgstate`              | hash   | the change logs' `seq` counter and `epoch` (set by the first writer after the hash was lost); `kept` and `lexgap` (the name order's mends) |
 *
 * Rollup keys, their index and the name index and order carry a TTL of `retention`, renewed on every write.
 */
export class RedisKeys {
  readonly names: string;
  /** Metric names scored by their latest slot end: what `listMetricNames` reads without touching per-name keys. */
  readonly nameIndex: string;
  /** Metric name → the kind of its latest rollup. */
  readonly nameKinds: string;
  /**
   * The names of the name index at one score, so a page of names is a ZRANGEBYLEX from where the
   * last one ended: kept by the write script with the index, mended from it (an older version's writes).
   */
  readonly nameLex: string;
  /** When the name order was last mended (a mark with a TTL: see redis-name-page.ts). */
  readonly nameLexMark: string;
  readonly alerts: string;
  readonly rules: string;
  readonly rulesOrder: string;
  readonly deadLetters: string;
  readonly deadLettersOrder: string;
  readonly jobDeadLetters: string;
  readonly jobDeadLettersOrder: string;
  readonly seq: string;
  /** The state role's entries, and the index of their keys. */
  readonly state: string;
  readonly stateKeys: string;
  /**
   * The change logs' sequence counter and the epoch that tells one run of the store from the next,
   * in one hash: they go together. Also `kept` (names written by a script that keeps the name
   * order) and `lexgap` (`seq` - `kept` at the order's last mend): see redis-name-page.ts.
   */
  readonly changeState: string;
  /** Series keys by `name + labels JSON`, so a steady set of series is hashed once, not per write. */
  private readonly seriesCache = new Map<string, string>();

  constructor(readonly prefix: string) {
    this.names = `${prefix}names`;
    this.nameIndex = `${prefix}nameidx`;
    this.nameKinds = `${prefix}namekind`;
    this.nameLex = `${prefix}namelex`;
    this.nameLexMark = `${prefix}namelex:at`;
    this.alerts = `${prefix}alerts`;
    this.rules = `${prefix}rules`;
    this.rulesOrder = `${prefix}rules:order`;
    this.deadLetters = `${prefix}dl`;
    this.deadLettersOrder = `${prefix}dl:order`;
    this.jobDeadLetters = `${prefix}jdl`;
    this.jobDeadLettersOrder = `${prefix}jdl:order`;
    this.seq = `${prefix}seq`;
    this.state = `${prefix}state`;
    this.stateKeys = `${prefix}state:keys`;
    this.changeState = `${prefix}chgstate`;
  }

  /** The series index of one metric name. */
  index(name: string): string {
    return `${this.prefix}idx:${name}`;
  }

  /** Slot lengths seen for one metric name (queries widen their lower bound by the longest). */
  lengths(name: string): string {
    return `${this.prefix}len:${name}`;
  }

  /**
   * Compacted span lengths of one metric name, each scored by the latest end of a rollup compacted
   * to it: a query widens its lower bound by a span only when it starts before that end.
   */
  compactedSpans(name: string): string {
    return `${this.prefix}clen:${name}`;
  }

  /** The rollups of one series, identified by its canonical labels JSON. */
  series(name: string, labelsJson: string): string {
    const id = `${name}\u0000${labelsJson}`;
    let key = this.seriesCache.get(id);
    if (key === undefined) {
      if (this.seriesCache.size >= SERIES_CACHE_SIZE) this.seriesCache.clear();
      key = `${this.prefix}r:${name}:${seriesId(labelsJson)}`;
      this.seriesCache.set(id, key);
    }
    return key;
  }

  /**
   * The change log of one metric name: member = a token unique to the write (the sequence number
   * in entries of earlier versions; readers skip this line), newline, the batch's
   * `labels JSON\trollup` lines; score = sequence number.
   */
  changes(name: string): string {
    return `${this.prefix}chg:${name}`;
  }

  /** When each change of `changes(name)` was written: member = sequence number, score = the writer's clock (ms). */
  changeTimes(name: string): string {
    return `${this.prefix}chgt:${name}`;
  }

  /** One lease. */
  lease(key: string): string {
    return `${this.prefix}lease:${key}`;
  }
}

const SERIES_CACHE_SIZE = 50_000;


/** 80 bits of SHA-1 over the canonical labels: short, fixed-length and safe in a key name. */
function seriesId(labelsJson: string): string {
  return createHash('sha1').update(labelsJson).digest('hex').slice(0, 20);
}

/** True when `prefix` holds a Redis Cluster hash tag (`{...}` with something inside). */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  if (open === -1) return false;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1;
}
