import { assertStateKey, prefixEnd, stateJson, stateLimit, type StateEntry } from '../state.js';
import type { PgSession } from './postgres-sql.js';

/**
 * `PostgresStorage`'s state role: the `state` table (schema version 2), one row per key. A put
 * is `INSERT ... ON CONFLICT (key) DO NOTHING`: of concurrent inserts of one key exactly one
 * inserts a row (the others wait for its transaction, then do nothing). Values are `json`, so
 * they come back as written. Each call checks its key (or prefix) and arguments first, as every
 * store's state role does (state.ts), inside the adapter call that wraps failures.
 */
export class PostgresState {
  constructor(private readonly db: PgSession) {}

  /** Stores `value` (as JSON) under `key` unless an entry is there: true when this call stored it. */
  async put(key: string, value: unknown): Promise<boolean> {
    assertStateKey(key);
    const json = stateJson(value);
    const p = this.db.params();
    const rows = await this.db.query(
      p,
      `INSERT INTO ${this.db.s}.state (key, value, updated_at) VALUES (${p.add(key)}, ${p.add(json, '::json')}, ${p.now()}) ON CONFLICT (key) DO NOTHING RETURNING 1 AS stored`,
    );
    return rows.length === 1;
  }

  /** The entries under `prefix`: a range of the primary key (`COLLATE "C"`: code point order), `LIMIT` the requested limit (see `stateLimit`). */
  async read(prefix: string, requested: unknown): Promise<StateEntry[]> {
    assertStateKey(prefix, 'prefix');
    const limit = stateLimit(requested);
    if (limit === 0) return [];
    const p = this.db.params();
    const from = p.add(prefix);
    const end = prefixEnd(prefix);
    // The range bounds the index scan; starts_with is the rule (and all of it for a prefix of U+10FFFF).
    const upper = end === undefined ? '' : ` AND key < ${p.add(end)}`;
    const rows = await this.db.query<{ key: string; value: unknown; updated_at: number }>(
      p,
      `SELECT key, value, updated_at FROM ${this.db.s}.state WHERE key >= ${from}${upper} AND starts_with(key, ${from}) ORDER BY key LIMIT ${p.add(limit, '::int')}`,
    );
    return rows.map((r) => ({ key: r.key, value: r.value, updatedAt: Number(r.updated_at) }));
  }

  /** Deletes the entry of `key`; true if it existed. */
  async delete(key: string): Promise<boolean> {
    assertStateKey(key);
    const p = this.db.params();
    const rows = await this.db.query(p, `DELETE FROM ${this.db.s}.state WHERE key = ${p.add(key)} RETURNING 1 AS deleted`);
    return rows.length === 1;
  }
}
