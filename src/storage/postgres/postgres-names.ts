import { createHash } from 'node:crypto';
import { canonicalLabels } from '../../core/labels.js';
import type { MetricKind, MetricNameQuery, Rollup, StoredMetricName } from '../contract.js';
import { clampNameLimit, isWellFormedText } from '../metric-names.js';
import { sideFailure, type SideFailureReporter } from '../side-failures.js';
import { float } from './postgres-rows.js';
import type { Connection, PgSession } from './postgres-sql.js';

/**
 * How far a series' recorded latest end (`metric_series.last_end`) may trail its rollups: a
 * writer upserts a series' row again only once its end moved this far past the end it upserted
 * last, so a steady recorder rewrites each series' row once a minute, not at every slot (the
 * rows are as many as the series; the names' rows, a few, are upserted whenever their end moves).
 * Upserting every slot cost ~40 % more write time (bench/postgres-name-series.ts). Listing counts
 * rows that ended up to this much before the bound, so a live series is always counted.
 */
export const SERIES_GRANULARITY = 60_000;

/** How often (ms) listing upserts the names of rollups an older version wrote without them. */
export const CATCH_UP_INTERVAL = 300_000;

/** How often (ms) at most a write also deletes the series rows retention hides. */
const SERIES_SWEEP_INTERVAL = 60_000;

/** Names whose last upsert this adapter remembers; past it the memory starts again (and every name is upserted once more). */
const MAX_REMEMBERED = 10_000;
/** Series likewise. */
const MAX_REMEMBERED_SERIES = 100_000;

/** The names a write carries: each name's latest end in the batch and the kind of that rollup. */
type Latest = Map<string, { end: number; kind: MetricKind }>;
/** The series a write carries, by name + U+0000 + canonical labels: each one's latest end. */
type SeriesEnds = Map<string, { name: string; labels: string; end: number }>;

/**
 * `PostgresStorage`'s metric names: the `metric_names` table (schema version 2), one row per
 * name with its latest slot end and kind, and `metric_series`, one row per series (name, MD5 of
 * its canonical labels) with its latest end to within {@link SERIES_GRANULARITY}; both upserted by
 * writes on the write's own connection after the rollups, read by `listMetricNames` in one
 * indexed statement (the page's names, each with a count of its series rows).
 */
export class PostgresNames {
  /** Name → the end this adapter last upserted for it. */
  private readonly upserted = new Map<string, number>();
  /** Series (name + U+0000 + canonical labels) → the end this adapter last upserted for it. */
  private readonly upsertedSeries = new Map<string, number>();
  /** Canonical labels → their series id (see seriesId), bounded as upsertedSeries is. */
  private readonly seriesIds = new Map<string, string>();
  /** When (adapter's clock) a write last swept the series rows. */
  private lastSeriesSweep = -Infinity;
  /** The catch-up running now, which every list waits for. */
  private catchingUp: Promise<void> | undefined;
  /** When (adapter's clock) the last catch-up started. */
  private lastCatchUp = -Infinity;
  /** Where a catch-up that failed is reported (set by the adapter). */
  report: SideFailureReporter = () => {};

  constructor(
    private readonly db: PgSession,
    private readonly retention: number,
    /** See {@link SERIES_GRANULARITY} (a parameter for the benchmark's comparisons). */
    private readonly seriesGranularity = SERIES_GRANULARITY,
  ) {}

  /**
   * Upserts the names of `batches` whose end moved past the end this adapter upserted last (new
   * ones included), and the series due (new to this adapter, or whose end moved
   * {@link SERIES_GRANULARITY} past the last upsert), on `connection`, after their rollups were
   * stored, in one statement. Rows keep the latest end of every writer (instances upsert in key
   * order: no deadlock). Once a minute it also deletes the series rows retention hides.
   */
  async record(connection: Connection, batches: readonly (readonly Rollup[])[], texts?: readonly (readonly string[])[]): Promise<void> {
    const now = this.db.clock ? this.db.clock() : Date.now();
    const cutoff = now - this.retention;
    const { names: due, series } = this.due(batches, cutoff, texts);
    const sweep = now - this.lastSeriesSweep >= Math.min(this.retention, SERIES_SWEEP_INTERVAL);
    if (due.size === 0 && series.size === 0 && !sweep) return;
    const { s } = this.db;
    const p = this.db.params();
    const parts: string[] = [];
    if (due.size > 0) {
      const names = [...due.keys()].sort();
      const arrays = `${p.add(names, '::text[]')}, ${p.add(names.map((n) => due.get(n)!.kind), '::text[]')}, ${p.add(names.map((n) => due.get(n)!.end), '::bigint[]')}`;
      parts.push(`n AS (INSERT INTO ${s}.metric_names AS m (name, kind, last_end)
       SELECT name, kind, last_end FROM unnest(${arrays}) AS t(name, kind, last_end) ORDER BY name
       ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, last_end = EXCLUDED.last_end WHERE m.last_end <= EXCLUDED.last_end)`);
    }
    const rows = [...series.values()].map((v) => ({ name: v.name, id: this.seriesId(v.labels), end: v.end })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (rows.length > 0) {
      const arrays = `${p.add(rows.map((r) => r.name), '::text[]')}, ${p.add(rows.map((r) => r.id), '::text[]')}, ${p.add(rows.map((r) => r.end), '::bigint[]')}`;
      parts.push(`s AS (INSERT INTO ${s}.metric_series AS m (name, series, last_end)
       SELECT name, series, last_end FROM unnest(${arrays}) AS t(name, series, last_end) ORDER BY name, series
       ON CONFLICT (name, series) DO UPDATE SET last_end = EXCLUDED.last_end WHERE m.last_end < EXCLUDED.last_end)`);
    }
    if (sweep) parts.push(`w AS (DELETE FROM ${s}.metric_series WHERE last_end <= ${p.add(Math.floor(cutoff), '::bigint')})`);
    await connection.query(p, `WITH ${parts.join(', ')} SELECT 1`, true);
    if (sweep) this.lastSeriesSweep = now;
    if (this.upserted.size + due.size > MAX_REMEMBERED) this.upserted.clear();
    for (const [name, { end }] of due) this.upserted.set(name, Math.max(end, this.upserted.get(name) ?? -Infinity));
    if (this.upsertedSeries.size + series.size > MAX_REMEMBERED_SERIES) this.upsertedSeries.clear();
    for (const [key, { end }] of series) this.upsertedSeries.set(key, Math.max(end, this.upsertedSeries.get(key) ?? -Infinity));
  }

  /** Forgets what was upserted (after a purge, which may delete rows this adapter upserted). */
  forget(): void {
    this.upserted.clear();
    this.upsertedSeries.clear();
  }

  /** The names with a slot that ended after max(since, now - retention), in code point order (`COLLATE "C"`), at most `limit`. */
  async list(query: MetricNameQuery): Promise<StoredMetricName[]> {
    const limit = clampNameLimit(query.limit);
    if (limit === 0) return [];
    await this.catchUpIfDue();
    const p = this.db.params();
    const match = query.match ?? '';
    // No name holds U+0000 or a lone surrogate (names are ASCII), and PostgreSQL text cannot carry them.
    if (match.includes('\u0000') || !isWellFormedText(match)) return [];
    const after = `greatest(${p.add(float(query.since), '::float8')}, ${p.now()} - ${p.add(this.retention, '::float8')})`;
    // strpos, not LIKE: `%`, `_` and `\` in match are plain text. translate folds A-Z only, whatever
    // the database's locale, as the other stores do.
    const fold = (sql: string): string => `translate(${sql}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
    const filter = match === '' ? '' : ` AND strpos(${fold('name')}, ${fold(p.add(match, '::text'))}) > 0`;
    // The series count reads the page's names only: an index range of metric_series per name.
    // A row's end trails its series' by less than the granularity, so rows that ended up to that
    // much before the bound count: a live series is never left out; one that stopped less than a
    // minute before `since` may be counted.
    const seriesAfter = `${after} - ${p.add(this.seriesGranularity === Infinity ? 0 : this.seriesGranularity, '::float8')}`;
    const rows = await this.db.query<{ name: string; kind: MetricKind; last_end: string; series: string }>(
      p,
      `SELECT name, kind, last_end, (SELECT count(*) FROM ${this.db.s}.metric_series ms WHERE ms.name = n.name AND ms.last_end > ${seriesAfter}) AS series
       FROM ${this.db.s}.metric_names n WHERE last_end > ${after}${filter} ORDER BY name LIMIT ${p.add(limit, '::int')}`,
    );
    // No series row (a name only an older version wrote, caught up from the rollups): not counted.
    return rows.map((r) => ({ name: r.name, kind: r.kind, lastSeen: Number(r.last_end), ...(Number(r.series) > 0 ? { series: Number(r.series) } : {}) }));
  }

  /**
   * An older version still writing during a rolling deploy stores rollups without upserting
   * their names: at most every {@link CATCH_UP_INTERVAL} (and on an adapter's first list), the
   * names of the rollups are upserted from the rollups themselves, by the loose index scan the
   * upgrade uses (two index probes per name, no table scan). Best effort: a failure is reported
   * and the list goes on from the table.
   */
  private async catchUpIfDue(): Promise<void> {
    const now = this.db.clock ? this.db.clock() : Date.now();
    if (this.catchingUp === undefined && now - this.lastCatchUp >= CATCH_UP_INTERVAL) {
      this.lastCatchUp = now;
      this.catchingUp = this.catchUp()
        .catch((error: unknown) => this.report(sideFailure('PostgresStorage: catching up metric_names from the rollups failed', error)))
        .finally(() => (this.catchingUp = undefined));
    }
    await this.catchingUp;
  }

  private async catchUp(): Promise<void> {
    const { s } = this.db;
    const p = this.db.params();
    await this.db.query(
      p,
      `WITH RECURSIVE names AS (
        (SELECT name FROM ${s}.rollups ORDER BY name LIMIT 1)
        UNION ALL
        SELECT (SELECT r.name FROM ${s}.rollups r WHERE r.name > n.name ORDER BY r.name LIMIT 1) FROM names n WHERE n.name IS NOT NULL
      )
      INSERT INTO ${s}.metric_names AS m (name, kind, last_end)
      SELECT n.name, latest.kind, latest.end_ms FROM names n
      CROSS JOIN LATERAL (SELECT kind, end_ms FROM ${s}.rollups r WHERE r.name = n.name ORDER BY start_ms DESC LIMIT 1) latest
      WHERE n.name IS NOT NULL AND latest.end_ms > ${p.now()} - ${p.add(this.retention, '::float8')}
      ORDER BY n.name
      ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, last_end = EXCLUDED.last_end WHERE m.last_end < EXCLUDED.last_end`,
    );
  }

  /** A series' id, from the ids this adapter computed before (an MD5 each: 2 µs, at every slot of every series). */
  private seriesId(labels: string): string {
    let id = this.seriesIds.get(labels);
    if (id === undefined) {
      if (this.seriesIds.size >= MAX_REMEMBERED_SERIES) this.seriesIds.clear();
      id = seriesId(labels);
      this.seriesIds.set(labels, id);
    }
    return id;
  }

  private due(batches: readonly (readonly Rollup[])[], cutoff: number, texts?: readonly (readonly string[])[]): { names: Latest; series: SeriesEnds } {
    const latest: Latest = new Map();
    const series: SeriesEnds = new Map();
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b]!;
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        if (r.end <= cutoff) continue;
        const seen = latest.get(r.name);
        if (seen === undefined || r.end >= seen.end) latest.set(r.name, { end: r.end, kind: r.kind });
        const labels = canonicalText(r.labels, texts?.[b]?.[i]);
        const key = `${r.name}\u0000${labels}`;
        const one = series.get(key);
        if (one === undefined) series.set(key, { name: r.name, labels, end: r.end });
        else if (r.end > one.end) one.end = r.end;
      }
    }
    for (const [name, { end }] of latest) {
      const last = this.upserted.get(name);
      if (last !== undefined && end <= last) latest.delete(name);
    }
    for (const [key, { end }] of series) {
      const last = this.upsertedSeries.get(key);
      if (last !== undefined && end - last < this.seriesGranularity) series.delete(key);
    }
    return { names: latest, series };
  }
}

/**
 * `canonicalLabels(labels)`: when the keys are in order already (one pass checks), that is
 * `json` (`JSON.stringify(labels)`, computed once for the COPY too), with no sorted copy to
 * build and stringify again: it ran for every rollup of every write, due or not.
 */
function canonicalText(labels: Readonly<Record<string, string>>, json: string | undefined): string {
  if (json === undefined) return canonicalLabels(labels);
  const names = Object.keys(labels);
  // Same order as canonicalLabels' sort(): UTF-16 code units.
  for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) return canonicalLabels(labels);
  return json;
}

/** A series' id in `metric_series`: MD5 of its canonical labels (hex), computed here so any label value (U+0000 too) has one. */
function seriesId(labels: string): string {
  return createHash('md5').update(labels).digest('hex');
}

/**
 * The statement part that deletes the names of no rollup past `end`, and the series rows that
 * ended by it (a purge): written as CTEs of the purge statement.
 */
export function purgeNamesSql(s: string, end: string): string {
  return `n AS (DELETE FROM ${s}.metric_names m WHERE m.last_end <= ${end} AND NOT EXISTS (SELECT 1 FROM ${s}.rollups r WHERE r.name = m.name AND r.end_ms > ${end})),
       ns AS (DELETE FROM ${s}.metric_series WHERE last_end <= ${end})`;
}
