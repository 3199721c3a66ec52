/**
 * Shared by the adapters' `listMetricNames` (see `RollupStore.listMetricNames`): the limit's
 * bounds and the order names come back in.
 */
import { StorageError } from '../core/errors.js';

/** Names listed when the query gives no limit. */
export const DEFAULT_NAME_LIMIT = 1_000;
/** Names listed at most, whatever the query asks. */
export const MAX_NAME_LIMIT = 10_000;

/** The number of names to list for `limit`: the default when absent, at most {@link MAX_NAME_LIMIT}, at least 0. */
export function clampNameLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_NAME_LIMIT;
  return Math.max(0, Math.min(MAX_NAME_LIMIT, Math.floor(limit)));
}

/**
 * Checks a name query: `since` a finite number, `limit` absent or a number. A query no store
 * could answer is a permanent StorageError (the same call would fail again).
 */
export function assertNameQuery(query: { since: number; limit?: number | undefined; match?: string | undefined }): void {
  if (typeof query !== 'object' || query === null || typeof query.since !== 'number' || Number.isNaN(query.since)) {
    throw new StorageError('listMetricNames: since must be a number (ms since the epoch)', { permanent: true });
  }
  if (query.limit !== undefined && (typeof query.limit !== 'number' || Number.isNaN(query.limit))) {
    throw new StorageError('listMetricNames: limit must be a number', { permanent: true });
  }
  if (query.match !== undefined && typeof query.match !== 'string') {
    throw new StorageError('listMetricNames: match must be a string', { permanent: true });
  }
}

/**
 * ASCII-only lower case: what every store can compute alike (Lua's `string.lower` and
 * PostgreSQL's `lower()` under `COLLATE "C"` fold only A-Z), unlike `toLowerCase`.
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/** Whether `name` is listed for `match` (see `MetricNameQuery.match`): a substring, ASCII letters without case. */
export function nameMatches(name: string, match: string | undefined): boolean {
  return match === undefined || match === '' || asciiLower(name).includes(asciiLower(match));
}

/**
 * Code point order, which is also PostgreSQL's `COLLATE "C"` order over UTF-8 and Redis' byte
 * order: JavaScript's `<` compares UTF-16 code units, which puts U+E000..U+FFFF after astral
 * characters.
 */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800..0xDFFF) stands for a code point past 0xFFFF: above every BMP unit.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Whether `text` holds no lone surrogate (no metric name does: they are ASCII). */
export function isWellFormedText(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}
