import { StorageError } from '../../core/errors.js';

/** First pause after a failed automatic migration, and the longest, ms. */
const FIRST_BACKOFF = 1_000;
const MAX_BACKOFF = 60_000;

/**
 * What a {@link PostgresStorage} call waits for before it runs: the schema at this build's
 * version. With `autoMigrate` the gate migrates it (once per process; calls made meanwhile wait
 * for that migration). After a failed migration (database down, another session migrating past
 * the wait, an index build cancelled) calls reject at once with a transient StorageError
 * carrying the failure as `cause`, and the next attempt starts only with the first call after a
 * backoff (1 s, doubling to 1 min): a schema that cannot be migrated is not migrated again by
 * every call. Without `autoMigrate` the gate only reads the schema's version (one cheap
 * statement, tried again by every call until it is current): writes must not reach a table
 * whose unique index is still being built.
 */
export class SchemaGate {
  private done = false;
  private attempt: Promise<void> | undefined;
  private failures = 0;
  private retryAt = -Infinity;
  private lastFailure: unknown;

  constructor(
    /** Brings the schema up to date, or checks that it is; rejects when it is not. */
    private readonly prepare: () => Promise<unknown>,
    /** Whether a failure holds off the next attempt (migrations) or not (version checks). */
    private readonly backoff: boolean,
    /** Clock for the backoff (the adapter's `now` option, or Date.now). */
    private readonly now: () => number,
    /** Names the adapter in messages. */
    private readonly label: string,
  ) {}

  /** Resolves once the schema is current; see the class comment for failures. */
  ready(): Promise<void> {
    if (this.done) return Promise.resolve();
    if (this.attempt !== undefined) return this.attempt;
    const wait = this.retryAt - this.now();
    if (wait > 0) {
      const reason = this.lastFailure instanceof Error ? this.lastFailure.message : String(this.lastFailure);
      return Promise.reject(
        new StorageError(`${this.label}: migrating the schema failed (${reason}); the next attempt is in ${Math.ceil(wait)} ms`, { cause: this.lastFailure }),
      );
    }
    const attempt = this.prepare().then(
      () => this.succeeded(),
      (failure: unknown) => {
        if (this.backoff) {
          this.failures++;
          this.retryAt = this.now() + Math.min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (this.failures - 1));
          this.lastFailure = failure;
        }
        throw failure;
      },
    );
    this.attempt = attempt;
    void attempt.then(
      () => (this.attempt = undefined),
      () => (this.attempt = undefined),
    );
    return attempt;
  }

  /** The schema is current (an explicit `migrate()` brought it up to date). */
  succeeded(): void {
    this.done = true;
    this.failures = 0;
    this.retryAt = -Infinity;
    this.lastFailure = undefined;
  }
}
