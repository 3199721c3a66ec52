/**
 * The monitor's `compaction` option: when and how its schedule merges older rollups in the store
 * (see compaction-schedule.ts and docs/storage.md, Compaction).
 */
import { z } from 'zod';
import { durationSchema, positiveDurationSchema } from '../core/duration.js';
import { MIN_COMPACTION_SPAN } from './compaction.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The default tiers. Hours after a day: the rules, `snapshot()` and the change log read minutes
 * to hours back, a recorder's retries land within minutes of a store coming back, and a daily
 * report over the day before still reads whole hours. Days after three days: a 30-day report (and
 * the 30 days before, for its trends) over 100 series then reads about 13,000 rollups instead of
 * 144,000 hourly ones (8.6 M 30 s slots), and weekly or monthly reports are rarely asked to the
 * hour in data that old.
 */
export const DEFAULT_COMPACTION_TIERS: readonly { after: number; span: number }[] = [
  { after: DAY, span: HOUR },
  { after: 3 * DAY, span: DAY },
];

const tierSchema = z.object({
  /** Spans that ended at least this long ago are compacted. */
  after: positiveDurationSchema,
  /** Length of a compacted span: whole UTC hours (`'1h'`), days (`'1d'`)... at least a minute. */
  span: durationSchema.refine((ms) => Number.isSafeInteger(ms) && ms >= MIN_COMPACTION_SPAN, `must be a whole number of ms, at least ${MIN_COMPACTION_SPAN} (1 minute)`),
});

const settingsSchema = z
  .object({
    /** Tiers, ordered by `after` (and by `span`: each span a multiple of the one before, so hours nest in days). */
    tiers: z.array(tierSchema).min(1).max(8).optional(),
    /** How often a compaction runs (one instance of the fleet runs each, under a store lease). */
    interval: positiveDurationSchema.default(10 * 60_000),
    /** Most rollups one run merges; the rest wait for the next run. */
    maxPerRun: z.number().int().min(1).max(10_000_000).default(200_000),
  })
  .superRefine((v, ctx) => {
    const tiers = v.tiers ?? DEFAULT_COMPACTION_TIERS;
    for (let i = 1; i < tiers.length; i++) {
      const [a, b] = [tiers[i - 1]!, tiers[i]!];
      if (b.after <= a.after) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'after'], message: 'must be later than the tier before' });
      if (b.span <= a.span || b.span % a.span !== 0) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'span'], message: 'must be a multiple of the span of the tier before, and longer' });
    }
  });

/**
 * `compaction`: `false` (the default: every slot kept as written), `true` (the default tiers,
 * every 10 minutes), or the settings.
 */
export const compactionOptionSchema = z.union([z.boolean(), settingsSchema]).default(false);

/** The option as given. */
export type CompactionOption = z.input<typeof compactionOptionSchema>;

/** The settings a schedule runs with. */
export interface CompactionSettings {
  tiers: readonly { after: number; span: number }[];
  interval: number;
  maxPerRun: number;
}

/** The settings of a parsed option; undefined when compaction is off. */
export function compactionSettings(option: z.output<typeof compactionOptionSchema>): CompactionSettings | undefined {
  if (option === false) return undefined;
  if (option === true) return { tiers: DEFAULT_COMPACTION_TIERS, interval: 10 * 60_000, maxPerRun: 200_000 };
  return { tiers: option.tiers ?? DEFAULT_COMPACTION_TIERS, interval: option.interval, maxPerRun: option.maxPerRun };
}

/**
 * Why `settings` cannot run beside a monitor whose histogram ring spans `memorySpan` ms (slots x
 * slot length), or undefined when they can. A monitor reads its own slots from memory and the
 * store's rollups of other instances: a compacted rollup carries no instance of its own, so slots
 * in both would count twice. A longer ring elsewhere in the fleet is not refused: it is published
 * (ring-spans.ts) and the schedule compacts nothing younger; this monitor's own ring longer than
 * the first tier would silently push that tier back to the ring's length, so it is taken for a
 * mistake in the options.
 */
export function compactionMemoryIssue(settings: Pick<CompactionSettings, 'tiers'>, memorySpan: number): string | undefined {
  const first = settings.tiers[0];
  if (first === undefined || first.after > memorySpan) return undefined;
  return `compaction.tiers.0.after (${first.after} ms) must be longer than the histogram slots this monitor keeps in memory (histogram.slots x histogram.slotLength = ${memorySpan} ms): compacted rollups of those slots would count twice`;
}
