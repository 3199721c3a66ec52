import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { MASKED, maskUrlPasswords } from '../core/redact.js';
import { normalizeResult } from './status.js';
import type { HealthCheck, HealthStatus } from './types.js';

/** The result of one run of one check. */
export interface CheckRun {
  status: HealthStatus;
  message?: string | undefined;
  details?: Readonly<Record<string, unknown>> | undefined;
  /** Duration in ms (fractional), measured on the clock's monotonic time. */
  duration: number;
  /** When the run ended (ms since the epoch). */
  finishedAt: number;
  /** When the run ended on the clock's monotonic time: what a cache's age is measured from. */
  endedAt: number;
  timedOut: boolean;
  /** Set when the check returned something that is not a result (a programming error). */
  invalid?: string | undefined;
}

/** The limits one run is held to. */
export interface RunLimits {
  timeout: number;
  degradedAfter?: number | undefined;
}

/**
 * Runs one check under its own timeout. The returned promise never rejects and settles at the
 * latest when `timeout` passes on `clock`: a check that hangs is then `unhealthy`, its signal is
 * aborted, and whatever it settles to later is ignored.
 */
export function runCheck(name: string, check: HealthCheck, limits: RunLimits, clock: Clock): Promise<CheckRun> {
  return new Promise<CheckRun>((resolve) => {
    const controller = new AbortController();
    const start = clock.monotonic();
    let done = false;
    const finish = (run: Omit<CheckRun, 'duration' | 'finishedAt' | 'endedAt'>): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      const endedAt = clock.monotonic();
      const duration = endedAt - start;
      resolve({ ...slowIsDegraded(run, duration, limits.degradedAfter), duration, finishedAt: clock.now(), endedAt });
    };
    const timer = clock.setTimeout(() => {
      if (done) return;
      const message = `timed out after ${limits.timeout} ms`;
      controller.abort(new TimeoutError(`health check "${name}" ${message}`, limits.timeout));
      finish({ status: 'unhealthy', message, timedOut: true });
      // Kept alive: someone awaits this answer, and the timer lives at most `timeout`. Unref'd,
      // a script awaiting a hanging check would exit with no answer at all.
    }, limits.timeout, { keepAlive: true });

    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(check({ signal: controller.signal, clock, name }));
    } catch (error) {
      // A check that throws synchronously fails the same way as one that rejects.
      pending = Promise.reject(error);
    }
    // A result or error that throws when read (a revoked proxy) must still finish the run:
    // a handler that threw would leave the whole health answer pending.
    const unreadable = (what: string): void => finish({ status: 'unhealthy', message: `the check ${what} a value that throws when read`, timedOut: false });
    pending.then(
      (value) => {
        try {
          const result = normalizeResult(value);
          if (result.ok) finish({ ...result.outcome, timedOut: false });
          else finish({ status: 'unhealthy', message: result.invalid, timedOut: false, invalid: result.invalid });
        } catch {
          unreadable('returned');
        }
      },
      (error: unknown) => {
        try {
          finish({ status: 'unhealthy', message: errorMessage(error), details: errorDetails(error), timedOut: false });
        } catch {
          unreadable('failed with');
        }
      },
    );
  });
}

/** A passing run slower than `degradedAfter` is degraded; a failing or degraded one keeps its status. */
function slowIsDegraded<R extends { status: HealthStatus; message?: string | undefined }>(run: R, duration: number, degradedAfter: number | undefined): R {
  if (degradedAfter === undefined || run.status !== 'healthy' || duration <= degradedAfter) return run;
  const slow = `responded in ${Math.round(duration)} ms, slower than degradedAfter (${degradedAfter} ms)`;
  return { ...run, status: 'degraded', message: run.message === undefined ? slow : `${run.message}; ${slow}` };
}

/**
 * Schemes whose `user:password@` an error's message may quote (fetch refusing a URL with
 * credentials, a driver quoting its connection string): the password is masked, since health
 * answers are public by default.
 */
const URL_SCHEMES = ['http', 'https', 'ws', 'wss', 'ftp', 'redis', 'rediss', 'postgres', 'postgresql', 'mysql', 'mariadb', 'mongodb', 'mongodb+srv', 'amqp', 'amqps', 'mssql', 'sqlserver', 'nats', 'ldap', 'ldaps', 'smtp', 'smtps'];

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    // fetch and drivers wrap the useful part ("connect ECONNREFUSED ...") in `cause`.
    const cause = (error as { cause?: unknown }).cause;
    const base = error.message || error.name;
    const text = cause instanceof Error && cause.message !== '' && !base.includes(cause.message) ? `${base}: ${cause.message}` : base;
    return maskUrlPasswords(text, URL_SCHEMES, MASKED);
  }
  return maskUrlPasswords(String(error), URL_SCHEMES, MASKED);
}

function errorDetails(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code ?? ((error as { cause?: { code?: unknown } }).cause?.code);
  return typeof code === 'string' || typeof code === 'number' ? { error: error.name, code } : { error: error.name };
}
