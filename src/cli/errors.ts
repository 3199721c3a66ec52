/**
 * Errors of the `pulsewatch` CLI. Each has a stable `code` and maps to an exit code: bad input
 * and a source that cannot be read are both "unknown" (3), never a guessed pass or fail.
 */

/** Stable codes of the CLI's errors. */
export type CliErrorCode =
  /** A flag, a budget file or a budget in it is invalid; `field` names it. */
  | 'ERR_PULSEWATCH_CLI_INPUT'
  /** The endpoint or Prometheus could not be reached (connection refused, DNS, timeout). */
  | 'ERR_PULSEWATCH_CLI_UNREACHABLE'
  /** It answered, but not with what a check can read (401, 404, a body of another shape, a query error). */
  | 'ERR_PULSEWATCH_CLI_SOURCE';

/** Base class of the CLI's errors; `isCliError` is the brand the guard reads. */
export class CliError extends Error {
  readonly isCliError = true;
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Bad input: the message starts with the field (`budgets[2].below`, `--interval`). */
export class CliInputError extends CliError {
  /** The field at fault, as the user wrote it: a flag or a path in the budget file. */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('ERR_PULSEWATCH_CLI_INPUT', `${field}: ${message}`, options);
    this.name = 'CliInputError';
    this.field = field;
  }
}

/** The source could not be reached at all. */
export class SourceUnreachableError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PULSEWATCH_CLI_UNREACHABLE', message, options);
    this.name = 'SourceUnreachableError';
  }
}

/** The source answered something a check cannot use. */
export class SourceResponseError extends CliError {
  /** The HTTP status, when the failure was one. */
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super('ERR_PULSEWATCH_CLI_SOURCE', message);
    this.name = 'SourceResponseError';
    this.status = status;
  }
}

/** True for any error of the CLI (works across two copies of the package). */
export function isCliError(error: unknown): error is CliError {
  return typeof error === 'object' && error !== null && (error as { isCliError?: unknown }).isCliError === true;
}

/** The process exit codes: documented in docs/cli.md, relied on by CI scripts. */
export const EXIT_CODES = { ok: 0, warning: 1, failing: 2, unknown: 3 } as const;
