/** Stable `error.code` values of the monitoring HTTP API (documented in docs/http.md). */
export type HttpErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'NOT_ACCEPTABLE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_JSON'
  | 'VALIDATION_FAILED'
  | 'LIMIT_EXCEEDED'
  | 'STORAGE_UNAVAILABLE'
  | 'INTERNAL';

/** One failing field of a request, as answered in `error.issues`. */
export interface HttpIssue {
  path: string;
  message: string;
}

/**
 * An answer other than success, thrown inside a route and turned into
 * `{ "error": { "code", "message", "issues"?, "truncatedIssues"? } }` with `status`.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly issues: readonly HttpIssue[] | undefined;
  /** Issues found but not listed in `issues` (the answer lists at most `limits.maxIssues`). */
  readonly truncatedIssues: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: HttpErrorCode, message: string, extra: { issues?: readonly HttpIssue[]; truncatedIssues?: number; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.issues = extra.issues;
    this.truncatedIssues = extra.truncatedIssues ?? 0;
    this.headers = extra.headers ?? {};
  }
}
