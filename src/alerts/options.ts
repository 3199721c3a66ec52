import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';

/** Options of the rule engine (`createMonitor({ alerts })`), with every default in one place. */
export const alertEngineOptionsSchema = z.object({
  /** How often every rule is evaluated (Prometheus' evaluation_interval; seeds poll every 15-60 s). */
  evaluationInterval: positiveDurationSchema.default(15_000),
  /**
   * State channels (Alertmanager) get firing alerts re-posted this often (Prometheus'
   * `--rules.alert.resend-delay`, 1 m).
   */
  resendDelay: positiveDurationSchema.default(60_000),
  /** Resolved alerts are re-posted to state channels for this long (Prometheus keeps them 15 m). */
  resolvedRetention: positiveDurationSchema.default(15 * 60_000),
  /** Default cooldown (repeat interval) per severity when a rule sets none (seed 000). */
  cooldowns: z
    .object({
      critical: positiveDurationSchema.default(5 * 60_000),
      error: positiveDurationSchema.default(15 * 60_000),
      warning: positiveDurationSchema.default(30 * 60_000),
      info: positiveDurationSchema.default(60 * 60_000),
    })
    .prefault({}),
  /**
   * How often the engine re-reads rules from storage, so rules created, changed or deleted by
   * another instance on the same store take effect here.
   */
  syncInterval: positiveDurationSchema.default(30_000),
  /**
   * Instances sharing a store evaluate the rules once per tick between them: the instance that
   * holds the tick's lease evaluates, the others read the alerts it stored (docs/fleet.md).
   * `false`: every instance evaluates every rule on its own, as before 0.x (each one notifies
   * under the shared cooldown lease, and keeps its own alert records).
   */
  sharedEvaluation: z.boolean().default(true),
  /**
   * A stored pending alert older than this (its last heartbeat) is not resumed after a restart
   * or a hand-over: its `for` starts again (Prometheus' `--rules.alert.for-outage-tolerance`, 1 h).
   */
  outageTolerance: positiveDurationSchema.default(3_600_000),
  /** Base URL for `generatorURL` links (e.g. your dashboard); the rule id is appended. */
  externalURL: z.string().url().optional(),
});

/** Rule engine options as callers pass them. */
export type AlertEngineOptions = z.input<typeof alertEngineOptionsSchema>;
/** Rule engine options with defaults applied. */
export type ResolvedAlertEngineOptions = z.output<typeof alertEngineOptionsSchema>;
