import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { StorageError } from '../../core/errors.js';
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
    /** Whether `prepare` statements become named prepared statements (the `preparedStatements` option). */
    private readonly prepared: boolean,
  ) {}

  /** Names of the prepared statements by text: a few per adapter (with or without sweep, upsert). */
  private readonly names = new Map<string, string>();

  /** A new parameter list on this session's clock. */
  params(): Params {
    return new Params(this.clock);
  }

  /**
   * Runs one statement and resolves to its rows; rejects once the adapter is closed. With
   * `prepare` (and the option on), each connection parses and plans the text once: pg names the
   * statement and reuses it (the name is a hash of the text, so adapters sharing a pool never
   * collide).
   */
  async query<R extends QueryResultRow = QueryResultRow>(p: Params, text: string, prepare = false): Promise<R[]> {
    if (this.closed) throw new StorageError('PostgresStorage is closed');
    const name = prepare && this.prepared ? this.nameOf(text) : undefined;
    const result = await this.pool.query<R>({ name, text, values: p.values, query_timeout: this.queryTimeout } as never);
    return result.rows;
  }

  /**
   * Runs `fn` on one connection of the pool, for statements that may follow an expected error:
   * `pool.query` closes the connection after any error (a new one costs tens of ms), while an
   * error `fn` catches leaves this one in use. An error `fn` throws closes it, as pool.query would.
   */
  async connected<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError('PostgresStorage is closed');
    const client: PoolClient = await this.pool.connect();
    let failure: Error | undefined;
    try {
      return await fn({
        query: async <R extends QueryResultRow>(p: Params, text: string, prepare = false): Promise<R[]> => {
          const name = prepare && this.prepared ? this.nameOf(text) : undefined;
          return (await client.query<R>({ name, text, values: p.values, query_timeout: this.queryTimeout } as never)).rows;
        },
        copyFrom: (text: string, chunks: Iterable<Buffer>) => new Promise<void>((resolve, reject) => {
          client.query(new CopyFrom(text, chunks, this.queryTimeout, (error) => (error ? reject(error) : resolve())) as never);
        }),
      });
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(failure);
    }
  }

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (name === undefined) {
      // Bounded: the texts are the adapter's own few statements; guard against growth anyway.
      if (this.names.size >= 64) this.names.clear();
      name = `pulsewatch_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      this.names.set(text, name);
    }
    return name;
  }

  /** Refuses every later statement (the adapter was closed). */
  close(): void {
    this.closed = true;
  }
}

/** One checked-out connection, as {@link PgSession.connected} lends it. */
export interface Connection {
  query<R extends QueryResultRow = QueryResultRow>(p: Params, text: string, prepare?: boolean): Promise<R[]>;
  /**
   * Runs `COPY ... FROM STDIN` (`text`) with the concatenated `chunks` as its input, in one
   * round trip. Each chunk is taken from the iterable only once the previous one is on its way
   * (the server reads it meanwhile), and its first {@link COPY_DATA_HEADER} bytes are free: the
   * CopyData message's header goes there.
   */
  copyFrom(text: string, chunks: Iterable<Buffer>): Promise<void>;
}

/** Bytes of a CopyData message before its data: the type ('d') and the length. */
export const COPY_DATA_HEADER = 5;
const COPY_DATA = 0x64;

/** What {@link CopyFrom} uses of pg's connection (the interface pg-copy-streams uses too). */
interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream?: { write?: (chunk: Buffer) => boolean } | undefined;
}

/**
 * `COPY ... FROM STDIN` as a pg "submittable" (the interface pg-copy-streams and pg-cursor
 * use). The input follows the query at once, without waiting for the server's CopyInResponse:
 * one round trip instead of two. The protocol allows it: a server whose COPY failed before
 * reading the data ignores CopyData and CopyDone that arrive outside a COPY. Each chunk goes to
 * the socket as soon as it is built, so the server inserts the first batch's rows while the
 * next batch is encoded here. pg applies `query_timeout` to it as to any query.
 */
class CopyFrom {
  private error: Error | undefined;

  constructor(
    readonly text: string,
    private readonly chunks: Iterable<Buffer>,
    readonly query_timeout: number,
    public callback: (error: Error | undefined) => void,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
    try {
      for (const chunk of this.chunks) {
        // The CopyData message is built in place: its type and length go in the free header
        // bytes, and the buffer goes to the socket as it is (pg's sendCopyFromChunk would copy it).
        chunk[0] = COPY_DATA;
        chunk.writeInt32BE(chunk.length - 1, 1);
        if (typeof connection.stream?.write === 'function') connection.stream.write(chunk);
        else connection.sendCopyFromChunk(chunk.subarray(COPY_DATA_HEADER));
      }
    } catch (error) {
      // The server ends the COPY with an error (and rolls it back), which rejects the call.
      connection.sendCopyFail(`pulsewatch could not encode the batch: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    connection.endCopyFrom();
  }

  /** The data went with the query. */
  handleCopyInResponse(): void {}

  handleError(error: Error): void {
    // The server follows an error with ReadyForQuery; a lost connection does not.
    this.error ??= error;
    this.callback(error);
    this.callback = () => undefined;
  }

  handleReadyForQuery(): void {
    this.callback(this.error);
    this.callback = () => undefined;
  }

  // The other messages a COPY can bring need nothing from us.
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
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
