import { z } from 'zod';
import { finitePositiveDurationSchema, labelNameSchema, safeRecord } from './schema-parts.js';

/**
 * A manual alert (seed 000's `triggerAlert(config, title, message, metadata)`): it fires at once
 * and stays firing until `monitor.alerts.resolve(id)`.
 */
export const manualAlertSchema = z
  .object({
    /** The alert's name (`alertname`); seed 000 calls it the title. */
    name: z.string().min(1).max(200).optional(),
    title: z.string().min(1).max(200).optional(),
    message: z.string().max(10_000).default(''),
    description: z.string().max(10_000).optional(),
    severity: z.enum(['info', 'warning', 'error', 'critical']).default('warning'),
    /** Seed 000's alert type (SYSTEM_HEALTH, JOB_FAILURE, ...). */
    type: z.string().min(1).max(100).default('custom'),
    /** Identity labels besides alertname, severity and service. */
    labels: safeRecord(labelNameSchema, z.string()).default({}),
    annotations: safeRecord(z.string(), z.string()).default({}),
    /** Seed 000's metadata: scalar values become annotations, others JSON. */
    metadata: safeRecord(z.string(), z.unknown()).default({}),
    channels: z.array(z.string().min(1)).default([]),
    recipients: z.array(z.string().min(1)).default([]),
    value: z.number().finite().optional(),
    threshold: z.number().finite().optional(),
    /** Least time between two notifications of this alert; default by severity. */
    cooldown: finitePositiveDurationSchema.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.name === undefined && a.title === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'required (or title)' });
  })
  .transform((a) => {
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.metadata)) annotations[k] = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
    return { ...a, name: (a.name ?? a.title)!, annotations: { ...annotations, ...a.annotations } };
  });

/** A manual alert as callers pass it. */
export type ManualAlertInput = z.input<typeof manualAlertSchema>;
