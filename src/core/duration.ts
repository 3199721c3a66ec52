import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * The longest duration accepted: 365 days. Every duration pulsewatch takes (intervals, windows,
 * timeouts, TTLs, cooldowns) is far below it; anything longer is a mistake, and a 309-digit
 * number would otherwise parse as `Infinity` (stored as `null` in JSON, skipped by other
 * instances).
 */
export const MAX_DURATION_MS = 365 * 86_400_000;

/** A duration: milliseconds as a number, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

/** The duration in ms before the range check, or undefined if `input` is not shaped as one. */
function rawDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return input;
  if (typeof input !== 'string') return undefined;
  const match = DURATION_RE.exec(input.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/**
 * Parses a duration into milliseconds. Returns `undefined` for anything that is not a
 * non-negative finite duration of at most {@link MAX_DURATION_MS}, so callers decide how to
 * report it.
 */
export function parseDuration(input: unknown): number | undefined {
  const ms = rawDuration(input);
  return ms !== undefined && ms >= 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** The value as shown in a message: JSON, cut short (a megabyte string must not make a megabyte error). */
export function shown(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
}

/** zod schema accepting a {@link Duration} and producing milliseconds. */
export const durationSchema = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      const raw = rawDuration(value);
      const tooLong = raw !== undefined && (raw > MAX_DURATION_MS || Number.isNaN(raw));
      ctx.addIssue({
        code: 'custom',
        message: tooLong
          ? `must be at most 365d (${MAX_DURATION_MS} ms), got ${shown(value)}`
          : `expected a duration such as 500, '30s', '5m' or '1h', got ${shown(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** zod schema for a duration that must be greater than zero. */
export const positiveDurationSchema = durationSchema.refine((ms) => ms > 0, { message: 'must be greater than 0' });
