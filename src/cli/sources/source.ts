import type { Budget } from '../budget/budget.js';
import type { Reading } from '../budget/evaluate.js';

/**
 * Where a check reads its numbers: a pulsewatch monitoring handler or a Prometheus server.
 * `read` answers one budget; it throws when the source as a whole cannot be used (unreachable,
 * refused token, wrong base path) and returns an `error` reading when only that budget cannot be
 * read (a counter asked for a percentile, a query the server rejects).
 */
export interface Source {
  readonly kind: 'pulsewatch' | 'prometheus';
  /** The URL as it may be shown (no credentials, no query). */
  readonly url: string;
  read(budget: Budget, signal?: AbortSignal): Promise<Reading>;
}
