import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../core/duration.js';
import { LABEL_NAME_RE, METRIC_NAME_RE } from './budget/budget.js';
import { CliInputError } from './errors.js';

/**
 * Argument parsers for commander: each throws `InvalidArgumentError`, which commander reports
 * as `error: option '--interval <duration>' argument '5x' is invalid. <reason>` (exit 3).
 */

/** The least `--interval`: a check a second is already more than any endpoint needs. */
export const MIN_INTERVAL_MS = 1000;

/**
 * The most `--interval`: a day. A timer past 2^31-1 ms (24.8 days) fires after 1 ms in Node,
 * which would turn `--interval 30d` into checks back to back.
 */
export const MAX_INTERVAL_MS = 86_400_000;

/** `--interval`: a duration from 1s to 1d (a bare number is ms, as everywhere in pulsewatch). */
export function intervalArg(value: string): number {
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value.trim());
  if (ms === undefined) throw new InvalidArgumentError('Expected a duration such as 30s, 1m or 60000 (ms).');
  if (ms < MIN_INTERVAL_MS) throw new InvalidArgumentError(`At least 1s; a bare number is milliseconds (write ${value}s for seconds).`);
  if (ms > MAX_INTERVAL_MS) throw new InvalidArgumentError('At most 1d.');
  return ms;
}

/** `--timeout`: a duration from 100ms to 5m. */
export function timeoutArg(value: string): number {
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value.trim());
  if (ms === undefined || ms < 100 || ms > 300_000) throw new InvalidArgumentError('Expected a duration from 100ms to 5m such as 10s.');
  return ms;
}

/** `--label k=v` (repeatable): collected into one object. */
export function labelArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  const name = eq === -1 ? '' : value.slice(0, eq).trim();
  if (!LABEL_NAME_RE.test(name)) throw new InvalidArgumentError('Expected name=value with a label name of letters, digits and underscores.');
  // A series has one value per label: the last must not win silently (the handler answers 400 for `label.x` twice).
  if (Object.hasOwn(previous, name) && previous[name] !== value.slice(eq + 1)) throw new InvalidArgumentError(`${JSON.stringify(name)} is given twice: a series has one value of each label.`);
  return { ...previous, [name]: value.slice(eq + 1) };
}

/** `--metric`, `--requests-metric`: a metric name. */
export function metricArg(value: string): string {
  if (!METRIC_NAME_RE.test(value)) throw new InvalidArgumentError('Expected a metric name of letters, digits, underscores and colons.');
  return value;
}

/** Repeatable string options (`--fail`, `--warn`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** An http(s) URL for `field`, or a {@link CliInputError} that does not echo it (it may carry credentials). */
export function parseSourceUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliInputError(field, 'not a URL; expected http(s)://host[:port][/base-path]');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliInputError(field, `expected an http or https URL, got ${url.protocol}`);
  // fetch refuses a URL with credentials, with a message quoting the URL whole (the password
  // with it): refused here, and never echoed.
  if (url.username !== '' || url.password !== '') {
    throw new CliInputError(field, 'has a user or password, which is not sent (and not shown); give the URL without them and a bearer token with --token or PULSEWATCH_TOKEN');
  }
  return url.toString();
}
