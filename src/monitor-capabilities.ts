import { AlertEngine } from './alerts/engine.js';
import type { CapabilityContext } from './capability.js';
import { HealthRegistry } from './health/registry.js';
import type { ResolvedMonitorOptions } from './monitor-options.js';
import { NotificationDispatcher } from './notifiers/dispatcher.js';
import { BreakerRegistry } from './resilience/breaker-registry.js';

/** A monitor's capabilities, built on one {@link CapabilityContext}. */
export interface Capabilities {
  notifications: NotificationDispatcher;
  alerts: AlertEngine;
  health: HealthRegistry;
  breakers: BreakerRegistry;
}

/** Builds the capabilities of a monitor: each gets the context, never the monitor. */
export function createCapabilities(context: CapabilityContext, options: ResolvedMonitorOptions): Capabilities {
  const notifications = new NotificationDispatcher(context, options.notifiers, options.notifications);
  const { maxRules, maxAlertsPerRule } = options.limits;
  return {
    notifications,
    alerts: new AlertEngine(context, notifications, options.alerts, { maxRules, maxAlertsPerRule }),
    health: new HealthRegistry(context),
    breakers: new BreakerRegistry(context),
  };
}
