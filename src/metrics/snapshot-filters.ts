import type { Reporter } from '../core/diagnostics.js';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import type { Labels } from '../core/labels.js';

/** Most labels a snapshot's label filter may name. */
export const MAX_FILTER_LABELS = 32;

/**
 * A snapshot's label filter, from `options.labels` and the `options.organizationId` shorthand as
 * read (see `snapshotView`): undefined when neither is given (or `labels` is empty), else the
 * labels every series shown must carry, or `null` when no series can match. A filter that cannot
 * be read whole (a value that is not a string, more than {@link MAX_FILTER_LABELS} labels, an
 * object that is not a plain record or throws when read) is reported as a `ValidationError`
 * naming the field (rejected in strict mode) and gives `null`: a tenant's filter must never
 * widen to every tenant's data, so it fails closed where the other filters are ignored.
 */
export function readLabelFilter(labels: unknown, organizationId: unknown, reporter: Reporter): Labels | null | undefined {
  if (labels === undefined && organizationId === undefined) return undefined;
  const issues: ValidationIssue[] = [];
  const out: Labels = Object.create(null) as Labels;
  let size = 0;
  let cause: unknown;
  if (labels !== undefined) {
    try {
      if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) issues.push({ path: 'labels', message: `expected an object of label values, got ${describe(labels)}` });
      else {
        const names = Object.keys(labels);
        if (names.length > MAX_FILTER_LABELS) issues.push({ path: 'labels', message: `at most ${MAX_FILTER_LABELS} labels, got ${names.length}` });
        else
          for (const name of names) {
            const value: unknown = (labels as Record<string, unknown>)[name];
            if (typeof value !== 'string') issues.push({ path: `labels.${short(name)}`, message: `expected a string, got ${describe(value)}` });
            else {
              out[name] = value;
              size++;
            }
          }
      }
    } catch (error) {
      cause = error;
      issues.push({ path: 'labels', message: 'reading it threw' });
    }
  }
  if (organizationId !== undefined) {
    if (typeof organizationId !== 'string') issues.push({ path: 'organizationId', message: `expected a string, got ${describe(organizationId)}` });
    // Both given and different: no series carries two values of one label.
    else if (Object.hasOwn(out, 'organizationId') && out['organizationId'] !== organizationId) return null;
    else if (!Object.hasOwn(out, 'organizationId')) {
      out['organizationId'] = organizationId;
      size++;
    }
  }
  if (issues.length > 0) {
    reporter.reject(new ValidationError(`snapshot: the label filter could not be read (${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}); the snapshot shows no series`, issues, { cause }));
    return null;
  }
  return size === 0 ? undefined : out;
}

/** A label name as an issue path names it: a hostile name may be megabytes long. */
function short(name: string): string {
  return name.length <= 64 ? name : `${name.slice(0, 61)}...`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}
