/** Status of one check or of the whole: seed 000's three levels. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Payload of `healthChanged`: the overall status or one check's status moved. */
export interface HealthChangedEvent {
  /** `'overall'` for the whole answer, `'check'` for one check (then `check` names it). */
  scope: 'overall' | 'check';
  check?: string | undefined;
  status: HealthStatus;
  /** The status before; undefined on the first answer. */
  previous: HealthStatus | undefined;
  /** When the change was seen (ms since the epoch). */
  at: number;
}
