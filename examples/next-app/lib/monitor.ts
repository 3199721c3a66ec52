import { createMonitor, type Monitor } from 'pulsewatch';

/**
 * The app's one monitor. Every route imports it from here, so the metrics a wrapped route
 * records are the ones the monitoring route serves.
 *
 * Kept on `globalThis` because `next dev` re-evaluates modules on every edit: a new monitor per
 * reload would start over from zero and leave the old one's timers running. In production the
 * module is evaluated once per server process and this is a plain singleton.
 */
const globalForMonitor = globalThis as typeof globalThis & { pulsewatchMonitor?: Monitor };

export const monitor: Monitor = (globalForMonitor.pulsewatchMonitor ??= startMonitor());

function startMonitor(): Monitor {
  const monitor = createMonitor({ service: 'next-app' });
  monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));
  // A stand-in for a real dependency check (database ping, upstream API).
  monitor.health.register('app', async () => ({ status: 'healthy', message: 'serving' }));
  return monitor;
}
