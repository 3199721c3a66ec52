/**
 * Error classes thrown or emitted by pulsewatch. Each has a stable `code`; the branded
 * `isPulsewatchError` flag keeps the guard working when two copies of the package are installed,
 * where `instanceof` would fail.
 */

/** Stable error codes, one per failure kind. */
export type PulsewatchErrorCode =
  | 'ERR_PULSEWATCH_CONFIG'
  | 'ERR_PULSEWATCH_VALIDATION'
  | 'ERR_PULSEWATCH_CARDINALITY'
  | 'ERR_PULSEWATCH_STORAGE'
  | 'ERR_PULSEWATCH_CLOSED'
  | 'ERR_PULSEWATCH_NOT_FOUND'
  | 'ERR_PULSEWATCH_NOTIFICATION'
  | 'ERR_PULSEWATCH_TIMEOUT'
  | 'ERR_PULSEWATCH_BREAKER_OPEN'
  | 'ERR_PULSEWATCH_LIMIT'
  | 'ERR_PULSEWATCH_INTERNAL';

/** Base class of every error pulsewatch throws or emits. */
export class PulsewatchError extends Error {
  readonly isPulsewatchError = true;
  readonly code: PulsewatchErrorCode;

  constructor(code: PulsewatchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PulsewatchError';
    this.code = code;
  }
}

/** An option or a metric definition is invalid; thrown at construction, never on the hot path. */
export class ConfigError extends PulsewatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PULSEWATCH_CONFIG', message, options);
    this.name = 'ConfigError';
  }
}

/** One failing field of a validated input. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `tags.endpoint`; empty for the input as a whole. */
  path: string;
  message: string;
}

/** Input at an API boundary (recordMetric, a recorded value) failed validation. */
export class ValidationError extends PulsewatchError {
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[] = [], options?: { cause?: unknown }) {
    super('ERR_PULSEWATCH_VALIDATION', message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** A metric reached its series limit; further label sets fold into its overflow series. */
export class CardinalityError extends PulsewatchError {
  readonly metric: string;
  readonly limit: number;

  constructor(metric: string, limit: number) {
    super(
      'ERR_PULSEWATCH_CARDINALITY',
      `metric "${metric}" reached its limit of ${limit} series; new label sets are folded into its overflow series`,
    );
    this.name = 'CardinalityError';
    this.metric = metric;
    this.limit = limit;
  }
}

/**
 * A storage adapter call failed. By default the failure is transient (a lost connection, a
 * timeout) and the recorder keeps and retries the data it was writing. `permanent: true` says
 * the store rejected the data itself (a value it cannot hold): retrying the same data cannot
 * succeed, so the recorder sets the rejected rollups aside and writes the rest.
 */
export class StorageError extends PulsewatchError {
  /** True when the store rejected the data as invalid: the same write will fail again. */
  readonly permanent: boolean;
  /** Indexes, in the batch written, of the rollups the store rejected, when it can tell. */
  readonly rejected: readonly number[] | undefined;

  constructor(message: string, options?: { cause?: unknown; permanent?: boolean; rejected?: readonly number[] }) {
    super('ERR_PULSEWATCH_STORAGE', message, options);
    this.name = 'StorageError';
    this.permanent = options?.permanent ?? false;
    this.rejected = options?.rejected;
  }
}

/**
 * A bound was reached: too many metric definitions, rules or active alerts. Thrown by
 * configuration calls (in strict mode, by recording calls too); otherwise the excess is
 * dropped, counted and reported through `dropped` and `error`.
 */
export class LimitError extends PulsewatchError {
  /** The option that sets the bound, e.g. `'limits.maxMetrics'`. */
  readonly limit: string;
  /** The bound's value. */
  readonly max: number;

  constructor(limit: string, max: number, message: string) {
    super('ERR_PULSEWATCH_LIMIT', message);
    this.name = 'LimitError';
    this.limit = limit;
    this.max = max;
  }
}

/** The monitor was closed; the call could not be served. */
export class ClosedError extends PulsewatchError {
  constructor(message = 'the monitor is closed') {
    super('ERR_PULSEWATCH_CLOSED', message);
    this.name = 'ClosedError';
  }
}

/** A rule, alert or other record named by id does not exist. */
export class NotFoundError extends PulsewatchError {
  /** What kind of thing was looked up, e.g. `'rule'` or `'alert'`. */
  readonly kind: string;
  readonly id: string;

  constructor(kind: string, id: string) {
    super('ERR_PULSEWATCH_NOT_FOUND', `${kind} "${id}" not found`);
    this.name = 'NotFoundError';
    this.kind = kind;
    this.id = id;
  }
}

/**
 * A notification channel failed to deliver. The message names the channel and the failure
 * (HTTP status, timeout, refused connection) and never carries URLs or credentials.
 */
export class NotificationError extends PulsewatchError {
  readonly channel: string;
  /** HTTP status of the receiver's answer, when there was one. */
  readonly status: number | undefined;
  /** False when retrying cannot help (a 4xx other than 408/429, a bad payload). */
  readonly retryable: boolean;
  /**
   * How long the receiver asked us to wait before retrying (its `Retry-After` on a 429 or 503),
   * in ms. The dispatcher waits at least this long, capped at its backoff `maxDelay`.
   */
  readonly retryAfterMs: number | undefined;

  constructor(channel: string, message: string, options: { status?: number | undefined; retryable?: boolean; retryAfterMs?: number | undefined; cause?: unknown } = {}) {
    super('ERR_PULSEWATCH_NOTIFICATION', `channel "${channel}": ${message}`, { cause: options.cause });
    this.name = 'NotificationError';
    this.channel = channel;
    this.status = options.status;
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** An operation (a health check, a breaker call, a notification) did not finish within its time budget. */
export class TimeoutError extends PulsewatchError {
  /** The budget in ms. */
  readonly timeout: number;

  constructor(message: string, timeout: number, options?: { cause?: unknown }) {
    super('ERR_PULSEWATCH_TIMEOUT', message, options);
    this.name = 'TimeoutError';
    this.timeout = timeout;
  }
}

/** A call was refused because its circuit breaker is open (opossum's `EOPENBREAKER`). */
export class BreakerOpenError extends PulsewatchError {
  /** The breaker's name. */
  readonly breaker: string;

  constructor(breaker: string, options?: { cause?: unknown }) {
    super('ERR_PULSEWATCH_BREAKER_OPEN', `circuit breaker "${breaker}" is open`, options);
    this.name = 'BreakerOpenError';
    this.breaker = breaker;
  }
}

/** True for any error created by pulsewatch, from this copy of the package or another. */
export function isPulsewatchError(error: unknown): error is PulsewatchError {
  return typeof error === 'object' && error !== null && (error as { isPulsewatchError?: unknown }).isPulsewatchError === true;
}

/** True for a {@link ValidationError}, from this copy of the package or another. */
export function isValidationError(error: unknown): error is ValidationError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_VALIDATION';
}

/** True for a {@link ConfigError}, from this copy of the package or another. */
export function isConfigError(error: unknown): error is ConfigError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_CONFIG';
}

/** True for a {@link NotFoundError}, from this copy of the package or another. */
export function isNotFoundError(error: unknown): error is NotFoundError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_NOT_FOUND';
}

/** True for a {@link NotificationError}, from this copy of the package or another. */
export function isNotificationError(error: unknown): error is NotificationError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_NOTIFICATION';
}

/** True for a {@link TimeoutError}, from this copy of the package or another. */
export function isTimeoutError(error: unknown): error is TimeoutError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_TIMEOUT';
}

/** True for a {@link BreakerOpenError}, from this copy of the package or another. */
export function isBreakerOpenError(error: unknown): error is BreakerOpenError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_BREAKER_OPEN';
}

/** True for a {@link LimitError}, from this copy of the package or another. */
export function isLimitError(error: unknown): error is LimitError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_LIMIT';
}
