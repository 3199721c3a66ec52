import type { HealthChangedEvent } from '../../src/health/types.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import type { PulsewatchError } from '../../src/core/errors.js';

/** A monitor on a manual clock, with its health events and errors collected. */
export function setup(): { clock: ManualClock; monitor: Monitor; health: Monitor['health']; events: HealthChangedEvent[]; errors: PulsewatchError[] } {
  const clock = new ManualClock();
  const monitor = createMonitor({ clock });
  const events: HealthChangedEvent[] = [];
  const errors: PulsewatchError[] = [];
  monitor.on('healthChanged', (e) => events.push(e));
  monitor.on('error', (e) => errors.push(e));
  return { clock, monitor, health: monitor.health, events, errors };
}

export { deferred, settledState as track } from '../helpers/deferred.js';
