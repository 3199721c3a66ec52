import { afterEach } from 'vitest';
import type { Monitor } from 'pulsewatch';

/**
 * Closes, after each test, every monitor handed to the returned function (which returns it).
 * Call once at the top of a test file.
 */
export function closeAfterEach(): (monitor: Monitor) => Monitor {
  const monitors: Monitor[] = [];
  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.close()));
  });
  return (monitor) => {
    monitors.push(monitor);
    return monitor;
  };
}
