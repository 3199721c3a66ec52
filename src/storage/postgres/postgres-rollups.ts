import type { Rollup, RollupQuery } from '../contract.js';
import { sideFailure, type SideFailureReporter } from '../side-failures.js';
import { SkippedValues } from '../skipped-values.js';
import { copyBinaryChunks, labelTexts, lastPerSlot } from './postgres-copy.js';
import { PostgresNames } from './postgres-names.js';
import { batchJson, encodeLabels, float, ROLLUP_COLUMNS, ROLLUP_SELECT, RollupRowReader, type RollupRow } from './postgres-rows.js';
import { bound, COPY_DATA_HEADER, type PgSession } from './postgres-sql.js';

/** The columns of the unique (name, start, instance, labels) index: a conflicting row keeps them. */
const KEY_COLUMNS: ReadonlySet<string> = new Set(['name', 'labels', 'start_ms', 'instance']);

/** The rollup columns, in the COPY's order. */
export const NAMES = ROLLUP_COLUMNS.map(([c]) => c).join(', ');
/** The keys of those columns in the upsert's JSON. */
export const KEYS = ROLLUP_COLUMNS.map(([, , key]) => key).join(', ');
/** The upsert's `json_to_recordset` record type. */
export const RECORD = ROLLUP_COLUMNS.map(([, type, key]) => `${key} ${type}`).join(', ');

/** What a conflicting row gets: every column but its key's. */
export const UPSERT = `ON CONFLICT (name, start_ms, instance, md5(labels::text)) DO UPDATE SET ${ROLLUP_COLUMNS.filter(([c]) => !KEY_COLUMNS.has(c))
  .map(([c]) => `${c} = EXCLUDED.${c}`)
  .join(', ')}`;

/** SQLSTATE unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** Longest time between two sweeps of expired rollups and leases (as MemoryStorage). */
const SWEEP_INTERVAL = 60_000;

/**
 * Statements writing rollups at once. The recorder's group of `flush.concurrency` (4) batches is
 * shared out between two statements: four, one per batch, contend for the table's last pages
 * and indexes and cost the server about a third more CPU per rollup; in 3 of 4 same-process
 * comparisons on the shared 2-core benchmark machine two also wrote more rollups per second, and
 * one (the whole group) fewer (docs/performance.md). Calls made while both run wait and go
 * together in the next.
 */
const STATEMENTS_IN_FLIGHT = 2;

/** Most rollups one statement carries when it combines batches (a lone batch may hold more). */
const ROLLUPS_PER_STATEMENT = 1_000;

/** One writeRollups call waiting for its statement. */
interface PendingWrite {
  rollups: readonly Rollup[];
  signal: AbortSignal | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Rollup writes and reads of {@link PostgresStorage}: one statement per read, and per write
 * one statement for the batches waiting at that moment (write combining, below). Once a minute
 * at most (once per `retention`, if that is shorter), a write first deletes the rollups and
 * leases that retention hides.
 */
export class PostgresRollups {
  private lastSweep = -Infinity;
  /** Calls waiting for a statement. Bounded by the callers' own concurrency: each call waits here. */
  private readonly waiting: PendingWrite[] = [];
  private running = 0;
  private scheduled = false;
  /** The metric names table, kept by every write (read by `listMetricNames`). */
  readonly names: PostgresNames;
  /** Where a names upsert that failed after its rollups were stored goes (set by the adapter). */
  reportNamesFailure: SideFailureReporter = () => {};
  /** Where rows a read sets aside (stored rows that hold no rollup) are reported, and the adapter's name for it (set by the adapter). */
  reportSkipped: SideFailureReporter = () => {};
  label = 'PostgresStorage';

  constructor(
    private readonly db: PgSession,
    /** Rollups that ended longer ago than this (ms) are neither written nor read. */
    private readonly retention: number,
    /** Statements writing at once (a parameter for the benchmark's comparisons). */
    private readonly statementsInFlight = STATEMENTS_IN_FLIGHT,
  ) {
    this.names = new PostgresNames(db, retention);
  }

  /**
   * Stores valid rollups; resolves once the statement carrying them has committed (write
   * combining). Calls made in one turn of the event loop (the recorder's `flush.concurrency`
   * batches) are shared out between up to {@link STATEMENTS_IN_FLIGHT} statements; calls made
   * while those run wait and go together in the next. When a combined statement fails, each of
   * its batches is written again alone, so a batch the server refuses (a data exception, an
   * index row too large) fails by itself and the others are stored. A batch whose call was
   * aborted before its statement began is not written.
   */
  insert(rollups: readonly Rollup[], signal?: AbortSignal): Promise<void> {
    if (rollups.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ rollups, signal, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After this turn: its other calls join this one before any statement starts.
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  /** Starts statements for the waiting calls while fewer than STATEMENTS_IN_FLIGHT run. */
  private pump(): void {
    const free = this.statementsInFlight - this.running;
    if (free <= 0) return;
    const taken: PendingWrite[] = [];
    let size = 0;
    while (this.waiting.length > 0 && (taken.length === 0 || size + this.waiting[0]!.rollups.length <= free * ROLLUPS_PER_STATEMENT)) {
      const next = this.waiting.shift()!;
      if (next.signal?.aborted) {
        next.reject(next.signal.reason); // its caller has been told already
        continue;
      }
      taken.push(next);
      size += next.rollups.length;
    }
    // Contiguous groups of about equal size, one statement each.
    const statements = Math.min(free, taken.length);
    for (let k = 0, from = 0, done = 0; k < statements; k++) {
      let to = from + 1;
      done += taken[from]!.rollups.length;
      const share = (size * (k + 1)) / statements;
      while (to < taken.length - (statements - k - 1) && done + taken[to]!.rollups.length / 2 <= share) done += taken[to++]!.rollups.length;
      const group = taken.slice(from, to);
      from = to;
      this.running++;
      void this.write(group).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async write(calls: readonly PendingWrite[]): Promise<void> {
    try {
      await this.statement(calls.map((c) => c.rollups));
      for (const c of calls) c.resolve();
    } catch (error) {
      if (calls.length === 1) return calls[0]!.reject(error);
      for (const c of calls) await this.statement([c.rollups]).then(c.resolve, c.reject);
    }
  }

  /**
   * Writes batches in one statement: rollups already past retention are skipped, and one row
   * per (name, series, start, instance) is kept, the unique index refusing a second. The
   * batches go first as `COPY rollups FROM STDIN (FORMAT binary)`, one chunk per batch, each
   * sent as soon as it is encoded (a quarter less server CPU than any INSERT of the same rows,
   * and one round trip). Only when they meet a stored row of their key (unique_violation: a
   * retry whose first attempt landed, or one key twice among them) are they sent again, on the
   * same connection, as INSERT ... SELECT FROM json_to_recordset(...) ON CONFLICT DO UPDATE,
   * which replaces the row (the last of the batches wins): the failed COPY stored nothing, and
   * the upsert's speculative insertion costs every row work new rows need not pay. Rows without
   * an instance never conflict (NULLs are distinct). Every minute at most, the write first
   * deletes the rollups and leases that retention hides.
   */
  private async statement(batches: readonly (readonly Rollup[])[]): Promise<void> {
    const { db } = this;
    // COPY takes no parameters: the cutoff is a literal (or the server's clock), as retention is.
    const now = db.clock ? `${float(db.clock())}::float8` : '(extract(epoch from statement_timestamp()) * 1000)::float8';
    const cutoff = `${now} - ${float(this.retention)}::float8`;
    // Set once the rollups are stored: a later failure (the names upsert) must not fail the
    // write, or the caller's retry would store them twice (rows without an instance never conflict).
    let stored = false;
    try {
      await this.store(batches, cutoff, () => (stored = true));
    } catch (error) {
      if (!stored) throw error;
      // Names are best effort: the next write of the name upserts it again (it was not marked).
      this.reportNamesFailure(sideFailure('PostgresStorage: the metric_names upsert failed after the rollups were stored (names are listed again on a later write)', error));
    }
  }

  private async store(batches: readonly (readonly Rollup[])[], cutoff: string, onStored: () => void): Promise<void> {
    const { db } = this;
    // The names upsert runs on the rollups' connection; if it fails, connected() closes that
    // connection (a client-side timeout leaves its statement running on it).
    await db.connected(async (connection) => {
      if (this.sweepDue()) {
        const p = db.params();
        const sweepCutoff = `${p.now()} - ${p.add(this.retention, '::float8')}`;
        await connection.query(
          p,
          `WITH swept AS (DELETE FROM ${db.s}.rollups WHERE end_ms <= ${sweepCutoff}), names AS (DELETE FROM ${db.s}.metric_names WHERE last_end <= ${sweepCutoff})
           DELETE FROM ${db.s}.leases WHERE expires_at <= ${p.now()}`,
        );
      }
      const texts = labelTexts(batches);
      try {
        await connection.copyFrom(`COPY ${db.s}.rollups (${NAMES}) FROM STDIN (FORMAT binary) WHERE end_ms > ${cutoff}`, copyBinaryChunks(batches, COPY_DATA_HEADER, texts));
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code !== UNIQUE_VIOLATION) throw error;
        const p = db.params();
        const json = p.add(batchJson(lastPerSlot(batches.flat())), '::json');
        const upsert = `INSERT INTO ${db.s}.rollups (${NAMES}) SELECT ${KEYS} FROM json_to_recordset(${json}) AS t(${RECORD})
          WHERE t.e > ${p.now()} - ${p.add(this.retention, '::float8')} ${UPSERT}`;
        await connection.query(p, upsert, true);
      }
      onStored();
      // After the rollups: a name is never listed before its rollups can be read.
      await this.names.record(connection, batches, texts);
    });
  }

  /** Rollups of `query.name` whose labels contain `query.labels` and whose slot overlaps (from, to), by start. */
  async query(query: RollupQuery): Promise<Rollup[]> {
    const { db } = this;
    const p = db.params();
    const where = [`name = ${p.add(query.name)}`, `end_ms > ${p.now()} - ${p.add(this.retention, '::float8')}`];
    if (query.labels !== undefined && Object.keys(query.labels).length > 0) where.push(`labels @> ${p.add(JSON.stringify(encodeLabels(query.labels)), '::jsonb')}`);
    // Slot bounds are integers: end > from <=> end > floor(from); start < to <=> start < ceil(to).
    if (query.from !== undefined && query.from > -Infinity) where.push(`end_ms > ${p.add(bound(Math.floor(query.from)), '::bigint')}`);
    if (query.to !== undefined && query.to < Infinity) where.push(`start_ms < ${p.add(bound(Math.ceil(query.to)), '::bigint')}`);
    // No ORDER BY: sorting rows of a few hundred bytes (their hdr) spilled past work_mem to disk
    // for a 30-day read (12,900 rows, 6 MB: 35-110 ms of the server's time, where reading them
    // took 3-30); they arrive mostly in order (by index, or as written), which costs a stable sort
    // here next to nothing. Rows of one start keep the server's order, as ORDER BY left it.
    const rows = await db.query<RollupRow>(p, `SELECT ${ROLLUP_SELECT} FROM ${db.s}.rollups WHERE ${where.join(' AND ')}`);
    const reader = new RollupRowReader(new SkippedValues(this.label));
    const rollups: Rollup[] = [];
    for (const row of rows) {
      const rollup = reader.read(row);
      if (rollup !== undefined) rollups.push(rollup);
    }
    reader.skipped.reportTo(this.reportSkipped, 'queryRollups', `stored row of ${JSON.stringify(query.name)}`, `stored rows of ${JSON.stringify(query.name)}`);
    return byStart(rollups);
  }

  private sweepDue(): boolean {
    const now = this.db.clock ? this.db.clock() : Date.now();
    if (now - this.lastSweep < Math.min(this.retention, SWEEP_INTERVAL)) return false;
    this.lastSweep = now;
    return true;
  }
}

/** `rollups` ordered by start (stable): as they are when already so. */
function byStart(rollups: Rollup[]): Rollup[] {
  for (let i = 1; i < rollups.length; i++) if (rollups[i]!.start < rollups[i - 1]!.start) return rollups.sort((a, b) => a.start - b.start);
  return rollups;
}
