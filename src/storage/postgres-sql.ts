import type { Pool, QueryResultRow } from 'pg';
import { StorageError } from '../core/errors.js';
import { float } from './postgres-rows.js';

/** Parameters of one statement; `now()` adds the time source as a parameter or an SQL expression. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly clock: (() => number) | undefined) {}

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }

  /** Current time in ms as float8: the injected clock's, or the server's. */
  now(): string {
    return this.clock ? this.add(float(this.clock()), '::float8') : '(extract(epoch from statement_timestamp()) * 1000)::float8';
  }
}

/**
 * What the statements of one {@link PostgresStorage} share: the quoted schema, the injected
 * clock and the pool, with every statement bound by `queryTimeout` (pg's client-side
 * `query_timeout`, so a silent network cannot stall a caller).
 */
export class PgSession {
  private closed = false;

  constructor(
    private readonly pool: Pool,
    /** Quoted schema name, ready to prefix table names. */
    readonly s: string,
    readonly clock: (() => number) | undefined,
    private readonly queryTimeout: number,
  ) {}

  /** A new parameter list on this session's clock. */
  params(): Params {
    return new Params(this.clock);
  }

  /** Runs one statement and resolves to its rows; rejects once the adapter is closed. */
  async query<R extends QueryResultRow = QueryResultRow>(p: Params, text: string): Promise<R[]> {
    if (this.closed) throw new StorageError('PostgresStorage is closed');
    const result = await this.pool.query<R>({ text, values: p.values, query_timeout: this.queryTimeout } as never);
    return result.rows;
  }

  /** Refuses every later statement (the adapter was closed). */
  close(): void {
    this.closed = true;
  }
}

/** Clamps a bound to bigint's range (an out-of-range bound matches everything or nothing anyway). */
export function bound(n: number): string {
  return String(Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n)));
}

/** ` LIMIT $n` for a limit SQL can express, else nothing (see {@link slice}). */
export function limitSql(p: Params, limit: number | undefined): string {
  return limit !== undefined && Number.isSafeInteger(limit) && limit >= 0 ? ` LIMIT ${p.add(limit)}` : '';
}

/** Applies `limit` exactly as MemoryStorage's `slice(0, limit)` does (for limits SQL cannot express). */
export function slice<T>(rows: T[], limit: number | undefined): T[] {
  return limit === undefined ? rows : rows.slice(0, limit);
}
