import type { MetricKind, MetricNameQuery, Rollup, StoredMetricName } from '../contract.js';
import { clampNameLimit, isWellFormedText } from '../metric-names.js';
import { sideFailure, type SideFailureReporter } from '../side-failures.js';
import { float } from './postgres-rows.js';
import type { Connection, PgSession } from './postgres-sql.js';

/**
 * How far a name's recorded latest end may trail its rollups: a writer upserts a name's row
 * again only once its end moved this far past the end it upserted last. A steady recorder then
 * costs the names table one small statement a minute, not one per write.
 */
export const NAME_GRANULARITY = 60_000;

/** How often (ms) listing upserts the names of rollups an older version wrote without them. */
export const CATCH_UP_INTERVAL = 300_000;

/** Names whose last upsert this adapter remembers; past it the memory starts again (and every name is upserted once more). */
const MAX_REMEMBERED = 10_000;

/** The names a write carries: each name's latest end in the batch and the kind of that rollup. */
type Latest = Map<string, { end: number; kind: MetricKind }>;

/**
 * `PostgresStorage`'s metric names: the `metric_names` table (migration 2), one row per name
 * with its latest slot end and kind, upserted by writes on the write's own connection, read by
 * `listMetricNames` in one indexed statement. Series are not counted (that needs the rollups
 * themselves): `series` is absent.
 */
export class PostgresNames {
  /** Name → the end this adapter last upserted for it. */
  private readonly upserted = new Map<string, number>();
  /** The catch-up running now, which every list waits for. */
  private catchingUp: Promise<void> | undefined;
  /** When (adapter's clock) the last catch-up started. */
  private lastCatchUp = -Infinity;
  /** Where a catch-up that failed is reported (set by the adapter). */
  report: SideFailureReporter = () => {};

  constructor(
    private readonly db: PgSession,
    private readonly retention: number,
  ) {}

  /**
   * Upserts the names of `batches` that are due (new to this adapter, or whose end moved
   * {@link NAME_GRANULARITY} past the last upsert), on `connection`, after their rollups were
   * stored. Rows keep the latest end of every writer (instances upsert in name order: no deadlock).
   */
  async record(connection: Connection, batches: readonly (readonly Rollup[])[]): Promise<void> {
    const now = this.db.clock ? this.db.clock() : Date.now();
    const due = this.due(batches, now - this.retention);
    if (due.size === 0) return;
    const names = [...due.keys()].sort();
    const p = this.db.params();
    const arrays = `${p.add(names, '::text[]')}, ${p.add(names.map((n) => due.get(n)!.kind), '::text[]')}, ${p.add(names.map((n) => due.get(n)!.end), '::bigint[]')}`;
    await connection.query(
      p,
      `INSERT INTO ${this.db.s}.metric_names AS m (name, kind, last_end)
       SELECT name, kind, last_end FROM unnest(${arrays}) AS t(name, kind, last_end) ORDER BY name
       ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, last_end = EXCLUDED.last_end WHERE m.last_end <= EXCLUDED.last_end`,
      true,
    );
    if (this.upserted.size + due.size > MAX_REMEMBERED) this.upserted.clear();
    for (const [name, { end }] of due) this.upserted.set(name, Math.max(end, this.upserted.get(name) ?? -Infinity));
  }

  /** Forgets what was upserted (after a purge, which may delete rows this adapter upserted). */
  forget(): void {
    this.upserted.clear();
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
    const rows = await this.db.query<{ name: string; kind: MetricKind; last_end: string }>(
      p,
      `SELECT name, kind, last_end FROM ${this.db.s}.metric_names WHERE last_end > ${after}${filter} ORDER BY name LIMIT ${p.add(limit, '::int')}`,
    );
    return rows.map((r) => ({ name: r.name, kind: r.kind, lastSeen: Number(r.last_end) }));
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

  private due(batches: readonly (readonly Rollup[])[], cutoff: number): Latest {
    const latest: Latest = new Map();
    for (const batch of batches) {
      for (const r of batch) {
        if (r.end <= cutoff) continue;
        const seen = latest.get(r.name);
        if (seen === undefined || r.end >= seen.end) latest.set(r.name, { end: r.end, kind: r.kind });
      }
    }
    for (const [name, { end }] of latest) {
      const last = this.upserted.get(name);
      if (last !== undefined && end - last < NAME_GRANULARITY) latest.delete(name);
    }
    return latest;
  }
}

/** The statement part that deletes the names of no rollup past `end` (a purge): written as a CTE of the purge statement. */
export function purgeNamesSql(s: string, end: string): string {
  return `n AS (DELETE FROM ${s}.metric_names m WHERE m.last_end <= ${end} AND NOT EXISTS (SELECT 1 FROM ${s}.rollups r WHERE r.name = m.name AND r.end_ms > ${end}))`;
}
