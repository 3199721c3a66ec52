import { z } from 'zod';
import { durationSchema, positiveDurationSchema } from '../core/duration.js';
import { isValidLabelName } from '../core/labels.js';

/**
 * Keys that would reach an object's prototype machinery. `__proto__` is refused by name: zod
 * (like any `obj[key] = value` copy) would silently drop it, and it can never be a label name
 * (names starting with `__` are reserved). `constructor` and `prototype` are valid label names and
 * stay ordinary keys: readers look them up as own properties only.
 */
const UNSAFE_KEY = '__proto__';

/** A label name as Prometheus spells it, without the reserved `__` prefix. */
export const labelNameSchema = z.string().refine(isValidLabelName, { message: 'must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __' });

/**
 * `z.record(key, value)` that refuses an own `__proto__` key with an issue naming it
 * (`labels.__proto__`) instead of dropping it silently. The check runs on the caller's object,
 * before zod copies it.
 */
export function safeRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V) {
  const record = z.record(key, value);
  return z
    .custom<z.input<typeof record>>()
    .superRefine((input, ctx) => {
      if (typeof input === 'object' && input !== null && Object.hasOwn(input, UNSAFE_KEY)) {
        ctx.addIssue({ code: 'custom', path: [UNSAFE_KEY], message: 'is not allowed as a key' });
      }
    })
    .pipe(record);
}

/**
 * A schema that parses an object with `shaped` and anything else (a string) with `text`, each
 * keeping its own issues and paths. `z.union` would report every miss as "Invalid input".
 */
export function byInputType<T extends z.ZodType, S extends z.ZodType>(text: T, shaped: S): z.ZodType<z.output<T> | z.output<S>, z.input<T> | z.input<S>> {
  return z.unknown().transform((value, ctx) => {
    const parsed = (typeof value === 'object' && value !== null ? shaped : text).safeParse(value);
    if (parsed.success) return parsed.data as z.output<T> | z.output<S>;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    return z.NEVER;
  }) as unknown as z.ZodType<z.output<T> | z.output<S>, z.input<T> | z.input<S>>;
}

const FINITE = { message: 'must be a finite duration' };

/**
 * Durations of rules: a string of 309 digits parses as `Infinity`, which JSON stores as `null`
 * and every other instance would then skip. Refused here whatever the shared parser does.
 */
export const finiteDurationSchema = durationSchema.refine(Number.isFinite, FINITE);
/** A {@link finiteDurationSchema} greater than zero. */
export const finitePositiveDurationSchema = positiveDurationSchema.refine(Number.isFinite, FINITE);

/** The value of own label `name`, never one inherited from `Object.prototype` (`constructor`, `toString`). */
export function ownLabel(labels: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(labels, name) ? labels[name] : undefined;
}
