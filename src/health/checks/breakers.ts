import { ConfigError } from '../../core/errors.js';
import type { HealthCheck, HealthStatus } from '../types.js';

/** A circuit breaker as the breakers check sees it. */
export interface BreakerView {
  name: string;
  state: 'closed' | 'open' | 'halfOpen';
  critical: boolean;
}

/** Anything that lists breakers: `monitor` itself (`monitor.breakers()`). */
export interface BreakerSource {
  breakers(): readonly BreakerView[];
}

/**
 * A check over circuit breakers: `unhealthy` while a critical breaker is open, `degraded` while a
 * non-critical one is open or any is half-open (it is probing), otherwise `healthy`.
 *
 * @example monitor.health.register('breakers', checks.breakers(monitor), { groups: ['readiness'] })
 */
export function breakersCheck(source: BreakerSource): HealthCheck {
  if (typeof (source as Partial<BreakerSource> | null)?.breakers !== 'function') {
    throw new ConfigError('checks.breakers: source must have a breakers() method (pass the monitor)');
  }
  return () => {
    const all = source.breakers();
    const open = all.filter((b) => b.state === 'open');
    const halfOpen = all.filter((b) => b.state === 'halfOpen');
    const criticalOpen = open.filter((b) => b.critical);
    const status: HealthStatus = criticalOpen.length > 0 ? 'unhealthy' : open.length > 0 || halfOpen.length > 0 ? 'degraded' : 'healthy';
    const names = (list: readonly BreakerView[]): string => list.map((b) => `"${b.name}"`).join(', ');
    const parts: string[] = [];
    if (criticalOpen.length > 0) parts.push(`critical open: ${names(criticalOpen)}`);
    if (open.length > criticalOpen.length) parts.push(`open: ${names(open.filter((b) => !b.critical))}`);
    if (halfOpen.length > 0) parts.push(`half-open: ${names(halfOpen)}`);
    return {
      status,
      message: parts.length === 0 ? `breakers closed: ${all.length}` : parts.join('; '),
      details: { open: open.map((b) => b.name), halfOpen: halfOpen.map((b) => b.name), total: all.length },
    };
  };
}
