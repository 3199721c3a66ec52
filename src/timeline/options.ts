import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';
import { isValidMetricName } from '../core/labels.js';

/** Most phases a timeline may have: steps become label values, and a report lists each. */
export const MAX_PHASES = 20;
/** Longest phase name (it is part of a label value). */
export const MAX_PHASE_LENGTH = 64;

const phaseSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PHASE_LENGTH, `must be at most ${MAX_PHASE_LENGTH} characters`)
  .regex(/^[a-zA-Z0-9_.:-]+$/, 'letters, digits and _ . : - only (phase names become label values)');

/**
 * Options of `monitor.timeline(name, options)`, with every default in one place. Parsed once at
 * creation into a new frozen object.
 */
export const timelineOptionsSchema = z.strictObject({
  /** The phases an entry goes through, in order (seed 004: queued, started, completed, delivered). At least 2. */
  phases: z
    .array(phaseSchema)
    .min(2, 'needs at least 2 phases (a start and an end)')
    .max(MAX_PHASES, `at most ${MAX_PHASES} phases`)
    .refine((p) => new Set(p).size === p.length, 'phase names must be unique')
    // Each step is one `phase` label value: ['a', 'b_to_c', 'a_to_b', 'c'] would make
    // `a_to_b_to_c` twice, two steps in one series.
    .superRefine((p, ctx) => {
      const seen = new Set<string>();
      for (let i = 1; i < p.length; i++) {
        const step = stepName(p[i - 1]!, p[i]!);
        if (seen.has(step)) ctx.addIssue({ code: 'custom', message: `two steps would both be named ${JSON.stringify(step)} (the phase label is <from>_to_<to>): rename a phase` });
        seen.add(step);
      }
    }),
  /** How long an entry may stay open; past it, an entry without its last phase is partial (seed 004: 1 h). */
  ttl: positiveDurationSchema.default(3_600_000),
  /** Finished entries kept for reports (the most recent; seed 004: 100). */
  maxSamples: z.number().int().min(0).max(100_000).default(100),
  /**
   * Open entries kept at most, whatever the id churn: past it the oldest open entry is dropped
   * (counted on `pulsewatch_dropped_total{reason="cardinality"}` and the `dropped` event).
   */
  maxOpen: z.number().int().positive().max(10_000_000).default(10_000),
  /** Longest id accepted, in UTF-16 code units; longer ids are refused (never truncated: two ids must not merge). */
  maxIdLength: z.number().int().positive().max(10_000).default(256),
  /** How far in the future of the clock an `at` may be (clock skew between hosts). */
  maxClockSkew: positiveDurationSchema.default(60_000),
  /** One line describing the timeline (the `# HELP` text of its metrics). */
  help: z.string().max(500).default(''),
});

/** Options of `monitor.timeline()` as callers pass them (durations as ms or `'1h'`). */
export type TimelineOptions = z.input<typeof timelineOptionsSchema>;
/** Options of a timeline after defaults (durations in ms). */
export type ResolvedTimelineOptions = z.output<typeof timelineOptionsSchema>;

/** The metrics a timeline records into, named after it. */
export interface TimelineMetricNames {
  /** End-to-end duration (first phase to last), ms histogram. */
  latency: string;
  /** Phase-to-phase durations, ms histogram with a `phase` label (`<from>_to_<to>`). */
  steps: string;
  /** Entries finished, counter with a `status` label (`complete` or `partial`). */
  entries: string;
}

/**
 * The metric names of timeline `name`: `<name>_latency_ms`, `<name>_phase_latency_ms{phase}` and
 * `<name>_entries_total{status}`. Readers use them to find a timeline's data in the store
 * without defining it (a dashboard process, another instance).
 */
export function timelineMetricNames(name: string): TimelineMetricNames {
  return { latency: `${name}_latency_ms`, steps: `${name}_phase_latency_ms`, entries: `${name}_entries_total` };
}

/** The `phase` label value of the step from phase `from` to phase `to`. */
export function stepName(from: string, to: string): string {
  return `${from}_to_${to}`;
}

/** True when `name` makes valid metric names for a timeline (its longest derived name fits). */
export function isValidTimelineName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && isValidMetricName(timelineMetricNames(name).steps);
}
