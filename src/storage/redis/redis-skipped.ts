import { StorageError } from '../../core/errors.js';
import type { SideFailureReporter } from '../side-failures.js';

/** Examples a report shows, each cut to this many characters: enough to recognise, never a whole batch. */
const EXAMPLES = 3;
const EXAMPLE_LENGTH = 100;
/** Bytes of a skipped value decoded for its example (a member with its hdr is kilobytes). */
export const EXAMPLE_BYTES = 400;

/**
 * Stored values one read could not decode (a torn write, a hand edit, another tool's value), set
 * aside so that they do not fail the read: stored data read back is hostile input, and one bad
 * value must never hide the good ones. The read reports them once, as one side failure (the
 * count and a few shortened examples: stored text, never a connection string).
 */
export class SkippedValues {
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
   */
  reportTo(report: SideFailureReporter, operation: string, value: string, values: string): void {
    if (this.count === 0) return;
    const more = this.count > EXAMPLES ? ', ...' : '';
    const reason = this.firstCause instanceof Error ? ` (first: ${this.firstCause.message.slice(0, EXAMPLE_LENGTH)})` : '';
    report(new StorageError(`RedisStorage: ${operation} skipped ${this.count === 1 ? `1 ${value}` : `${this.count} ${values}`} it could not decode${reason}: ${this.examples.join(', ')}${more}`, { cause: this.firstCause }));
  }
}
