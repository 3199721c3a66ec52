import { ConfigError } from './errors.js';

/** Label values by label name. */
export type Labels = Record<string, string>;

/** Labels as callers may pass them: numbers and booleans are turned into strings. */
export type LabelInput<Name extends string = string> = Partial<Record<Name, string | number | boolean>>;

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Longest metric name: names are stored and indexed as they are (PostgreSQL's btree refuses an
 * index row past 2,704 bytes, and a 6 KB name once blocked every later write).
 */
export const MAX_METRIC_NAME_LENGTH = 200;
/** Longest label name. */
export const MAX_LABEL_NAME_LENGTH = 128;

/** True when `name` is a valid Prometheus metric name of at most {@link MAX_METRIC_NAME_LENGTH} characters. */
export function isValidMetricName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_METRIC_NAME_LENGTH && METRIC_NAME_RE.test(name);
}

/** Throws a {@link ConfigError} unless `name` is a valid Prometheus metric name. */
export function assertMetricName(name: string): void {
  if (typeof name === 'string' && name.length > MAX_METRIC_NAME_LENGTH) {
    throw new ConfigError(`invalid metric name ${JSON.stringify(name.slice(0, 40))}...: at most ${MAX_METRIC_NAME_LENGTH} characters, got ${name.length}`);
  }
  if (!isValidMetricName(name)) {
    throw new ConfigError(
      `invalid metric name ${JSON.stringify(name)}: it must match [a-zA-Z_:][a-zA-Z0-9_:]* (letters, digits, underscores, colons; not starting with a digit)`,
    );
  }
  if (name.startsWith('__')) throw new ConfigError(`invalid metric name "${name}": names starting with "__" are reserved`);
}

/** Throws a {@link ConfigError} unless every label name is valid, unique and not reserved for the metric type. */
export function assertLabelNames(metric: string, names: readonly string[], reserved: readonly string[] = []): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || !LABEL_NAME_RE.test(name) || name.length > MAX_LABEL_NAME_LENGTH) {
      throw new ConfigError(`metric "${metric}": invalid label name ${JSON.stringify(name)}; it must match [a-zA-Z_][a-zA-Z0-9_]*, at most ${MAX_LABEL_NAME_LENGTH} characters`);
    }
    if (name.startsWith('__')) throw new ConfigError(`metric "${metric}": label name "${name}" is reserved (starts with "__")`);
    if (reserved.includes(name)) throw new ConfigError(`metric "${metric}": label name "${name}" is reserved for this metric type`);
    if (seen.has(name)) throw new ConfigError(`metric "${metric}": label name "${name}" is listed twice`);
    seen.add(name);
  }
}

/** True when `name` is a valid label name. */
export function isValidLabelName(name: string): boolean {
  return name.length <= MAX_LABEL_NAME_LENGTH && LABEL_NAME_RE.test(name) && !name.startsWith('__');
}

/** Turns a label value given by a caller into its string form, or `undefined` if it cannot be one. */
export function labelValueToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return '';
  return undefined;
}

/**
 * A stable key for a label set, injective for any names and values: the sorted [name, value]
 * pairs as JSON. JSON escapes every control character and quote, so no value can imitate a
 * separator (a hand-built `name\u0000value\u0001` key let `{a: 'x\u0001y', b: ''}` and
 * `{a: 'x', b: 'y\u0001'}` share one series).
 */
export function seriesKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  const pairs: [string, string][] = new Array(names.length);
  for (let i = 0; i < names.length; i++) pairs[i] = [names[i]!, labels[names[i]!]!];
  return JSON.stringify(pairs);
}

// ES2024 string methods; typed here because the project's lib is ES2022.
type WellFormedMethods = { isWellFormed?(): boolean; toWellFormed?(): string };
const NATIVE_WELL_FORMED = typeof (String.prototype as WellFormedMethods).toWellFormed === 'function';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when `value` holds no lone surrogate (`String.prototype.isWellFormed`, without needing it in the runtime). */
export function isWellFormed(value: string): boolean {
  if (NATIVE_WELL_FORMED) return (value as WellFormedMethods).isWellFormed!();
  LONE_SURROGATE.lastIndex = 0;
  return !LONE_SURROGATE.test(value);
}

/**
 * `value` with every lone surrogate (a string cut mid-emoji: `'😀'.slice(0, 1)`) replaced by
 * U+FFFD, as `String.prototype.toWellFormed` does. Stores reject ill-formed UTF-16 (PostgreSQL's
 * jsonb refuses `\ud800`), so label values are normalised before a series exists.
 */
export function toWellFormed(value: string): string {
  if (NATIVE_WELL_FORMED) return (value as WellFormedMethods).toWellFormed!();
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
}

/** A label set as JSON with its names sorted: the same labels always give the same string (stores key series by it). */
export function canonicalLabels(labels: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    // An own `__proto__` label (from stored data or a custom store; the recorder refuses `__`
    // names) set by assignment would hit the prototype setter and vanish: {__proto__: 'x', a: 'b'}
    // and {a: 'b'} were one series.
    if (name === '__proto__') Object.defineProperty(sorted, name, { value: labels[name], enumerable: true, writable: true, configurable: true });
    else sorted[name] = labels[name]!;
  }
  return JSON.stringify(sorted);
}

/** True when every matcher label is present in `labels` with the same value. */
export function matchesLabels(labels: Labels, matchers: Labels | undefined): boolean {
  if (!matchers) return true;
  for (const name in matchers) if (labels[name] !== matchers[name]) return false;
  return true;
}
