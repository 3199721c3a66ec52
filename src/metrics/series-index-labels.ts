import { isValidLabelName, labelValueToString, toWellFormed, type Labels } from '../core/labels.js';

// What a series index accepts as a label set and what it refuses, apart from the index itself
// (series-index.ts): the limits, the reserved overflow value and the messages a metric reports.

/**
 * Label value every label takes in a metric's overflow series (a metric with free-form labels,
 * such as a `recordMetric` one, folds into `{overflow="__overflow__"}`). Reserved: a label value
 * equal to it is refused, so no user series can duplicate the overflow series.
 */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/**
 * Key of the overflow series: fixed-label keys are JSON arrays, free-form ones seriesKey()'s
 * JSON and the unlabeled one '', so no label set can produce this one.
 */
export const OVERFLOW_KEY = '\u0002overflow';

/** Why `SeriesIndex.get` refused a label input (the metric reports it). */
export const LABELS_NOT_AN_OBJECT = 'labels must be an object of label values';
export const LABELS_THREW = 'reading the labels threw';
export const LABEL_VALUE_RESERVED = `label value "${OVERFLOW_LABEL_VALUE}" is reserved for the overflow series`;
export const LABEL_VALUE_UNUSABLE = 'label values must be strings, numbers or booleans';
export const LABELS_TOO_LONG = 'label names and values together are longer than limits.maxLabelSetLength';
export const LABELS_TOO_MANY = 'more labels than limits.maxLabelsPerSeries';

/**
 * Series of every metric of a monitor together (`limits.maxTotalSeries`): the per-metric limit
 * alone lets 1,000 metrics of 1,000 series each hold a million. Shared by the indexes of one
 * monitor; pulsewatch's own metrics do not take part.
 */
export interface SeriesBudget {
  used: number;
  readonly max: number;
}

/** Bounds on what one new series may hold. */
export interface SeriesBounds {
  budget?: SeriesBudget | undefined;
  /** Characters of label names and values together, in one series. */
  maxLabelSetLength: number;
  /** Labels in one free-form (`recordMetric`) series. */
  maxLabels: number;
}

export const UNBOUNDED: SeriesBounds = { maxLabelSetLength: Infinity, maxLabels: Infinity };

/**
 * Why a label set may not become a series (too long, too many labels), or `undefined`. Exported
 * so that a whole batch can be checked before any of it is recorded (`POST /metrics`).
 */
export function labelSetProblem(labels: Readonly<Record<string, string>>, bounds: Pick<SeriesBounds, 'maxLabelSetLength' | 'maxLabels'>): string | undefined {
  let count = 0;
  let length = 0;
  for (const name in labels) {
    const value = labels[name]!;
    // An empty value is no label (Prometheus reads `{a=""}` as `{}`): a free-form series drops it.
    if (value === '') continue;
    count++;
    length += name.length + value.length;
  }
  if (count > bounds.maxLabels) return LABELS_TOO_MANY;
  if (length > bounds.maxLabelSetLength) return LABELS_TOO_LONG;
  return undefined;
}

/** Why a free-form label set was refused: a name no label may have. */
export const LABEL_NAME_INVALID = 'label names must match [a-zA-Z_][a-zA-Z0-9_]* (not "__" first, not "le")';

/** A label value of `input` as the tree holds it (undefined for a value no label can take). */
export function labelValueOf(input: Readonly<Record<string, unknown>>, name: string): string {
  const raw = input[name];
  return typeof raw === 'string' ? raw : (labelValueToString(raw) as string);
}

/** True when `input` can be read as labels: an object, not null, not an array (and not a revoked proxy). */
export function isLabelObject(input: unknown): input is Readonly<Record<string, unknown>> {
  if (typeof input !== 'object' || input === null) return false;
  try {
    return !Array.isArray(input);
  } catch {
    return false;
  }
}

/**
 * The values of the declared label `names` in `input` (own properties only: a label called
 * `constructor` left out reads as '', not as Object), made well-formed; or why they cannot be a
 * series' (a value no label takes, the overflow marker). Throws what reading `input` throws.
 */
export function declaredValues(input: Readonly<Record<string, unknown>> | undefined, names: readonly string[]): string[] | string {
  const values: string[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = labelValueToString(input !== undefined && Object.hasOwn(input, name) ? input[name] : undefined);
    if (value === undefined) return LABEL_VALUE_UNUSABLE;
    if (value === OVERFLOW_LABEL_VALUE) return LABEL_VALUE_RESERVED;
    values[i] = toWellFormed(value);
  }
  return values;
}

/** Free-form labels: the own enumerable labels of `input` as strings, or why they cannot be a label set. Throws what reading `input` throws. */
export function freeFormInput(input: Readonly<Record<string, unknown>>): Labels | string {
  const labels: Labels = {};
  for (const name of Object.keys(input)) {
    if (!isValidLabelName(name) || name === 'le') return LABEL_NAME_INVALID;
    const value = labelValueToString(input[name]);
    if (value === undefined) return LABEL_VALUE_UNUSABLE;
    labels[name] = value;
  }
  return labels;
}

/**
 * A free-form label set as its series holds it: values made well-formed, empty ones left out
 * (Prometheus reads `{a=""}` as `{}`: two such series would be one scraped twice); or why it
 * cannot be one (the overflow marker).
 */
export function freeFormSet(labels: Labels): Labels | string {
  const clean: Labels = {};
  for (const name of Object.keys(labels)) {
    const value = labels[name]!;
    if (value === OVERFLOW_LABEL_VALUE) return LABEL_VALUE_RESERVED;
    if (value !== '') clean[name] = toWellFormed(value);
  }
  return clean;
}
