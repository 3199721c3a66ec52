import { COMPACTED_INSTANCE, mergeRollups, worthMerging, type CompactionResult } from '../compaction.js';
import type { Rollup } from '../contract.js';
import { KEYS, NAMES, RECORD } from './postgres-rollups.js';
import { batchJson, ROLLUP_SELECT, RollupRowReader, type RollupRow } from './postgres-rows.js';
import type { Connection, PgSession } from './postgres-sql.js';
import type { SideFailureReporter } from '../side-failures.js';
import { SkippedValues } from '../skipped-values.js';

/** A candidate span: one series (name and the md5 of its labels' text) and the span's start. */
interface Candidate {
  n: string;
  h: string;
  k: string;
  count: number;
}

/**
 * `compactRollups` of {@link PostgresStorage}: each call is one transaction on one connection,
 * under a transaction-level advisory lock (another session compacting the same schema makes the
 * call answer `done: false` at once, without waiting). In it: the spans worth merging (two rollups
 * or more of one kind inside the span, oldest first) come from the adapter's list, which one
 * `GROUP BY` fills with up to 20,000 of them when it is empty; one statement reads the rows of as
 * many as the limit allows `FOR UPDATE`, and after the merge (in this process: HDR histograms are
 * merged here) one deletes them and one inserts the compacted rows; readers see the transaction
 * whole or not at all. A write of a row in a locked span waits for the commit.
 */
export class PostgresCompaction {
  /**
   * Per span length, the spans the last search found and no call has taken yet (oldest first),
   * whether that search found them all, and where the next search starts: one `GROUP BY` serves
   * many calls (a call merges at most its limit; a search over millions of rows per call would
   * cost more than the merges). Taken spans are read again `FOR UPDATE` and checked, so a list
   * gone stale (rows written or compacted since) merges what is there, or nothing.
   */
  private readonly pending = new Map<number, { list: Candidate[]; complete: boolean; resumeAt: number }>();

  /** Where rows a compaction leaves because they hold no rollup are reported, and the adapter's name for it (set by the adapter). */
  reportSkipped: SideFailureReporter = () => {};
  label = 'PostgresStorage';

  constructor(
    private readonly db: PgSession,
    private readonly retention: number,
    private readonly schema: string,
  ) {}

  /** Runs one compaction call (see `CompactionStore.compactRollups`); the request is checked already. */
  async compact(span: number, before: number, limit: number): Promise<CompactionResult> {
    return this.db.connected(async (connection) => {
      await connection.query(this.db.params(), 'BEGIN');
      try {
        const result = await this.inTransaction(connection, span, before, limit);
        await connection.query(this.db.params(), 'COMMIT');
        return result;
      } catch (error) {
        await connection.query(this.db.params(), 'ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private async inTransaction(connection: Connection, span: number, before: number, limit: number): Promise<CompactionResult> {
    const { db } = this;
    const lock = db.params();
    const [locked] = await connection.query<{ got: boolean }>(lock, `SELECT pg_try_advisory_xact_lock(hashtextextended(${lock.add(`pulsewatch:compact:${this.schema}`)}, 0)) AS got`);
    if (locked?.got !== true) return { merged: 0, written: 0, done: false };
    let state = this.pending.get(span);
    if (state === undefined || state.list.length === 0) {
      if (state?.complete === true) {
        // A whole pass is done: the next call searches from the start again.
        this.pending.delete(span);
        return { merged: 0, written: 0, done: true };
      }
      const list = await this.search(connection, span, before, state?.resumeAt ?? -Infinity);
      state = { list, complete: list.length < SEARCH_SPANS, resumeAt: list.length > 0 ? Number(list[list.length - 1]!.k) : Infinity };
      this.pending.set(span, state);
    }
    const taken: Candidate[] = [];
    let rows = 0;
    while (state.list.length > 0) {
      const c = state.list[0]!;
      if (Number(c.k) + span > before) {
        state.list.shift(); // found under a later `before` than this call's: found again by a later search
        continue;
      }
      if (taken.length > 0 && rows + c.count > limit) break;
      taken.push(state.list.shift()!);
      rows += c.count;
    }
    const done = state.complete && state.list.length === 0;
    if (done) this.pending.delete(span);
    if (taken.length === 0) return { merged: 0, written: 0, done };
    const read = db.params();
    const rs = read.add(span, '::bigint');
    // One index range per (name, span) taken (the spans of many series share one), then the
    // series taken kept: a range per taken (series, span) probed the same rows once per series.
    const spans = read.add(JSON.stringify(taken.map((c) => ({ n: c.n, h: c.h, k: Number(c.k) }))), '::json');
    // Rows retention hides (not purged yet) are read too, `x`: deleted with the span, never merged
    // (the compacted rollup ends later: they would be seen again).
    const expired = `r.end_ms <= ${read.now()} - ${read.add(this.retention, '::float8')}`;
    const found = await connection.query<RollupRow & { t: string; h: string; g: string; x: boolean }>(
      read,
      `SELECT r.ctid::text AS t, md5(r.labels::text) AS h, d.k::text AS g, (${expired}) AS x, ${ROLLUP_SELECT.split(', ').map((c) => `r.${c}`).join(', ')}
       FROM ${db.s}.rollups r JOIN (SELECT DISTINCT n, k FROM json_to_recordset(${spans}) AS x(n text, h text, k bigint)) AS d
         ON r.name = d.n AND r.start_ms >= d.k AND r.start_ms < d.k + ${rs}
           AND (r.end_ms <= d.k + ${rs} OR (r.start_ms = d.k AND r.instance = ${read.add(COMPACTED_INSTANCE)}))
       WHERE (r.name, md5(r.labels::text), d.k) IN (SELECT n, h, k FROM json_to_recordset(${spans}) AS y(n text, h text, k bigint))
       FOR UPDATE OF r`,
    );
    const groups = new Map<string, { spanStart: number; ids: string[]; rollups: Rollup[]; blocked: boolean }>();
    let merging = 0;
    const reader = new RollupRowReader(new SkippedValues(this.label));
    for (const row of found) {
      const key = `${row.name}\u0000${row.h}\u0000${row.g}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { spanStart: Number(row.g), ids: [], rollups: [], blocked: false }));
      g.ids.push(row.t);
      if (row.x) continue;
      // A coarser span's compacted rollup starting here (compacted since the search): the span's
      // compacted rollup would have its key, so the span waits for the coarser tier.
      if (Number(row.end_ms) > g.spanStart + span) g.blocked = true;
      const rollup = reader.read(row);
      // A row that holds no rollup (written by hand or another tool) stays, and so does its span: merging
      // the span would delete it with the rows merged.
      if (rollup === undefined) g.blocked = true;
      else g.rollups.push(rollup);
    }
    reader.skipped.reportTo(this.reportSkipped, 'compactRollups', 'stored row (left as it is)', 'stored rows (left as they are)');
    const ids: string[] = [];
    const merged: Rollup[] = [];
    for (const g of groups.values()) {
      // Rows written or deleted since the first statement: merge what is there now, if still worth it.
      if (g.blocked || !worthMerging(g)) continue;
      ids.push(...g.ids);
      merging += g.rollups.length;
      merged.push(mergeRollups(g.rollups, g.spanStart, span));
    }
    if (merged.length > 0) {
      const del = db.params();
      await connection.query(del, `DELETE FROM ${db.s}.rollups WHERE ctid = ANY(${del.add(ids, '::tid[]')})`);
      // A plain INSERT: a compacted row never replaces another (a conflict rolls the call back).
      const ins = db.params();
      await connection.query(ins, `INSERT INTO ${db.s}.rollups (${NAMES}) SELECT ${KEYS} FROM json_to_recordset(${ins.add(batchJson(merged), '::json')}) AS t(${RECORD})`);
    }
    return { merged: merging, written: merged.length, done };
  }

  /**
   * Up to {@link SEARCH_SPANS} spans worth merging that end by `before` and start at or after
   * `from`, oldest first: one `GROUP BY` over the rows that ended by `before` (the `end_ms` index).
   */
  private async search(connection: Connection, span: number, before: number, from: number): Promise<Candidate[]> {
    const { db } = this;
    const p = db.params();
    const s = p.add(span, '::bigint');
    const k = `(floor(start_ms::numeric / ${s})::bigint * ${s})`;
    const b = p.add(Math.floor(before), '::bigint');
    const where = [`end_ms <= ${b}`, `end_ms > ${p.now()} - ${p.add(this.retention, '::float8')}`, `end_ms <= ${k} + ${s}`, `${k} + ${s} <= ${b}`];
    if (from > -Infinity) where.push(`start_ms >= ${p.add(from, '::bigint')}`);
    // Spans where the series has a coarser span's compacted rollup starting at the span's start are
    // left out: theirs would take its key (they wait for the coarser tier).
    return connection.query<Candidate>(
      p,
      `SELECT g.* FROM (SELECT name AS n, md5(labels::text) AS h, ${k} AS k, count(*)::int AS count FROM ${db.s}.rollups WHERE ${where.join(' AND ')}
         GROUP BY 1, 2, 3 HAVING count(*) > 1 AND min(kind) = max(kind)) g
       WHERE NOT EXISTS (SELECT 1 FROM ${db.s}.rollups c WHERE c.name = g.n AND c.start_ms = g.k AND c.instance = ${p.add(COMPACTED_INSTANCE)}
         AND md5(c.labels::text) = g.h AND c.end_ms > g.k + ${s})
       ORDER BY 3, 1, 2 LIMIT ${SEARCH_SPANS}`,
    );
  }
}

/** Spans one search finds at most (each holds two rows or more). */
const SEARCH_SPANS = 20_000;
