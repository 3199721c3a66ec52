import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';
import { safeRecord } from '../alerts/schema-parts.js';
// One tenant label for every report (the performance report owns it).
import { TENANT_LABEL } from '../reports/options.js';

export { TENANT_LABEL };

/** Seed 004's latency bands: under 1 s, 1-2 s, 2-5 s, 5-10 s, 10-30 s, over 30 s (upper edges, ms). */
export const DEFAULT_BUCKETS = [1_000, 2_000, 5_000, 10_000, 30_000] as const;
/** Most recent samples returned by default (seed 004: 100). */
export const DEFAULT_LIMIT = 100;
/** Most samples one report may return. */
export const MAX_LIMIT = 1_000;
/** Most bucket edges: a report is read by people and dashboards. */
export const MAX_BUCKETS = 20;

const name = z.string().min(1).max(200);

/** What `slaReport` analyses and how: one of `timeline` and `metric` (neither: the monitor's only timeline). */
export const slaQuerySchema = z
  .strictObject({
    /** A timeline's name (`monitor.timeline(name)`, here or on any instance that writes to the store). */
    timeline: name.optional(),
    /** A latency histogram's name (ms, or seconds when its unit says so). */
    metric: name.optional(),
    /** How far back from now (default 1 h, seed 004's TTL). */
    window: positiveDurationSchema.default(3_600_000),
    /** The SLA: `percent` of entries at or under `under` (seed 004: 95 % under 5 s). */
    objective: z
      .strictObject({
        under: positiveDurationSchema.default(5_000),
        percent: z.number().min(0).max(100).default(95),
      })
      .default({ under: 5_000, percent: 95 }),
    /** Upper edges (ms or durations) of the distribution's bands, strictly increasing; a last band takes what is above. */
    buckets: z
      .array(positiveDurationSchema)
      .min(1)
      .max(MAX_BUCKETS)
      .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'must be strictly increasing')
      .default([...DEFAULT_BUCKETS]),
    /** Only series whose labels include all of these. */
    labels: safeRecord(z.string(), z.string().max(1_000)).optional(),
    /**
     * Only entries with this id, or whose id starts with it and a `:` (ids such as
     * `<conversationId>:<messageId>`, seed 004's `?conversationId`). Reads this process's
     * retained samples, not the fleet's metrics: ids are not metric labels.
     */
    id: z.string().min(1).max(256).optional(),
    /**
     * Seed 002's tenant: only series whose `organizationId` label ({@link TENANT_LABEL}) is this,
     * as `labels: { organizationId }`. Timeline samples carry no labels, so a tenant's report
     * lists no recent samples and refuses `id` (another tenant's entries would show).
     */
    organizationId: z.string().min(1).max(256).optional(),
    /** Recent samples returned (default 100). */
    limit: z.number().int().min(0).max(MAX_LIMIT).default(DEFAULT_LIMIT),
    /** Unit of `metric`'s values when this process has not defined it (default: its definition's, else ms). */
    unit: z.enum(['ms', 'seconds']).optional(),
  })
  .superRefine((q, ctx) => {
    // Neither is allowed here: a monitor with one timeline reports on it (seed 004's bare endpoint).
    if (q.timeline !== undefined && q.metric !== undefined) ctx.addIssue({ code: 'custom', path: ['metric'], message: 'give one of timeline and metric, not both' });
    if (q.id !== undefined && q.metric !== undefined) ctx.addIssue({ code: 'custom', path: ['id'], message: 'filters a timeline\'s samples; a metric has no ids' });
    if (q.organizationId !== undefined) {
      const tenant = q.labels?.[TENANT_LABEL];
      if (tenant !== undefined && tenant !== q.organizationId) ctx.addIssue({ code: 'custom', path: ['organizationId'], message: `conflicts with labels.${TENANT_LABEL} (${JSON.stringify(tenant)})` });
      if (q.id !== undefined) ctx.addIssue({ code: 'custom', path: ['organizationId'], message: 'cannot narrow samples found by id: samples carry no labels' });
    }
  });

/** A query as callers pass it (durations as ms or `'5s'`). */
export type SlaQuery = z.input<typeof slaQuerySchema>;
/** A query after defaults (durations in ms). */
export type ResolvedSlaQuery = z.output<typeof slaQuerySchema>;
