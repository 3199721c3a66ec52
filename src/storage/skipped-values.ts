import { StorageError } from '../core/errors.js';
import type { SideFailureReporter } from './side-failures.js';

/** Examples a report shows, each cut to this many characters: enough to recognise, never a whole batch. */
const EXAMPLES = 3;
const EXAMPLE_LENGTH = 100;
/** Bytes of a skipped value decoded for its example (a member with its hdr is kilobytes). */
export const EXAMPLE_BYTES = 400;

/**
 * Stored values one read could not decode (a torn write, a hand edit, another tool's value), set
 * aside so that they do not fail the read: stored data read back is hostile input, and one bad
 * value must never hide the good ones. The read reports them once, as one side failure (the
 * count and a few shortened examples: stored text, never a connection string). Used by the Redis and PostgreSQL adapters.
 */
export class SkippedValues {
  /** @param label The adapter's name as its messages start (`RedisStorage`, `PostgresStorage (schema "x")`). */
  constructor(private readonly label: string) {}

  private count = 0;
  private readonly examples: string[] = [];
  private firstCause: unknown;

  /** Sets aside `text` (the undecodable value, or what of it locates the problem), which failed with `cause`. */
  add(text: string, cause: unknown): void {
    if (this.count === 0) this.firstCause = cause;
    this.count++;
    if (this.examples.length < EXAMPLES) this.examples.push(JSON.stringify(text.slice(0, EXAMPLE_LENGTH)));
  }

  /**
   * Hands `report` one StorageError naming how many values were skipped and showing the first
   * few (nothing when none was): `RedisStorage: <operation> skipped <n> <values> it could not
   * decode`, e.g. `readRollupChanges`, `change log line of "x"`, `change log lines of "x"`.
   * True when something was reported.
   */
  reportTo(report: SideFailureReporter, operation: string, value: string, values: string): boolean {
    if (this.count === 0) return false;
    const more = this.count > EXAMPLES ? ', ...' : '';
    const reason = this.firstCause instanceof Error ? ` (first: ${this.firstCause.message.slice(0, EXAMPLE_LENGTH)})` : '';
    report(new StorageError(`${this.label}: ${operation} skipped ${this.count === 1 ? `1 ${value}` : `${this.count} ${values}`} it could not decode${reason}: ${this.examples.join(', ')}${more}`, { cause: this.firstCause }));
    return true;
  }
}
