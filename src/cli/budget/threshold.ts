import { CliInputError } from '../errors.js';
import type { StatKind } from './stats.js';

/** A threshold as parsed: the number compared, and how it was written (for messages and units). */
export interface Threshold {
  /** Milliseconds for a duration; percent for `percent`; per second for `rate`; the count for `count`. */
  value: number;
  /** True when a latency threshold was written with a time unit (`500ms`), so the metric must measure time. */
  duration: boolean;
  /** As shown in tables: `500 ms`, `5 %`, `500/s`. */
  text: string;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const RATE_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };
const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const DURATION_RE = new RegExp(`^${NUMBER}\\s*(ms|s|m|h)$`);
const BARE_RE = new RegExp(`^${NUMBER}$`);
const PERCENT_RE = new RegExp(`^${NUMBER}\\s*%?$`);
const RATE_RE = new RegExp(`^${NUMBER}\\s*(?:/\\s*(s|m|h)|rps)?$`);

/** The raw value as shown in an error: short, whatever was passed. */
function shown(raw: unknown): string {
  const text = typeof raw === 'string' ? JSON.stringify(raw) : String(JSON.stringify(raw) ?? raw);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * Parses a threshold for a stat of `kind`. Accepts a number or a string (flags are always
 * strings); anything else, a negative number or a percent over 100 is a {@link CliInputError}
 * naming `field`.
 */
export function parseThreshold(raw: unknown, kind: StatKind, field: string): Threshold {
  const input = typeof raw === 'number' ? raw : typeof raw === 'string' ? raw.trim() : undefined;
  if (input === undefined) throw new CliInputError(field, `expected ${expected(kind)}, got ${shown(raw)}`);
  if (typeof input === 'number' && (!Number.isFinite(input) || input < 0)) {
    throw new CliInputError(field, `expected ${expected(kind)}, got ${shown(raw)}`);
  }
  const threshold = parseText(raw, input, kind, field);
  // 400 digits (or 1e306h) read as Infinity: a threshold no value could break, or none could meet.
  if (!Number.isFinite(threshold.value)) throw new CliInputError(field, `expected ${expected(kind)}, got ${shown(raw)}`);
  return threshold;
}

function parseText(raw: unknown, input: string | number, kind: StatKind, field: string): Threshold {
  const text = String(input);
  switch (kind) {
    case 'latency': {
      if (typeof input === 'number' || BARE_RE.test(text)) {
        const value = Number(text);
        return { value, duration: false, text: `${formatNumber(value)}` };
      }
      const match = DURATION_RE.exec(text);
      if (!match) throw new CliInputError(field, `expected ${expected(kind)}, got ${shown(raw)}`);
      const value = Number(match[1]) * DURATION_UNITS[match[2]!]!;
      return { value, duration: true, text: formatMs(value) };
    }
    case 'percent': {
      const match = PERCENT_RE.exec(text);
      const value = match ? Number(match[1]) : NaN;
      if (!match || value > 100) throw new CliInputError(field, `expected ${expected(kind)}, got ${shown(raw)}`);
      return { value, duration: false, text: `${formatNumber(value)} %` };
    }
    case 'rate': {
      const match = RATE_RE.exec(text);
      if (!match) throw new CliInputError(field, `expected ${expected(kind)}, got ${shown(raw)}`);
      const value = Number(match[1]) / RATE_UNITS[match[2] ?? 's']!;
      return { value, duration: false, text: `${formatNumber(value)}/s` };
    }
    case 'count': {
      if (!BARE_RE.test(text) || !Number.isInteger(Number(text))) throw new CliInputError(field, `expected ${expected(kind)}, got ${shown(raw)}`);
      const value = Number(text);
      return { value, duration: false, text: String(value) };
    }
  }
}

function expected(kind: StatKind): string {
  switch (kind) {
    case 'latency':
      return 'a duration such as 500ms or 1s (a bare number is milliseconds)';
    case 'percent':
      return 'a percentage from 0 to 100 such as 5%';
    case 'rate':
      return 'a rate per second such as 500 or 500/s (or 30000/m)';
    case 'count':
      return 'a whole number';
  }
}

/** A duration in ms as a person reads it: `480 ms`, `1.2 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? '+Inf' : String(ms);
  return ms >= 1000 ? `${formatNumber(ms / 1000)} s` : `${formatNumber(ms)} ms`;
}

/** A number with at most 3 significant decimals, no exponent for everyday values. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : String(n);
  const rounded = Math.abs(n) >= 100 ? Math.round(n * 10) / 10 : Math.round(n * 1000) / 1000;
  return String(rounded);
}
