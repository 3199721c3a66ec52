import type { RequestHandler } from 'express';
import type { Monitor } from '../../monitor.js';
import { createMonitoringRoutes } from '../http/handler.js';
import type { MonitoringHandlerOptions } from '../http/options.js';
import { nodeHandlerOf } from '../node-handler.js';

/**
 * Mounts the monitoring API on an Express app: `app.use('/api/monitoring', monitoringRouter(monitor, { auth }))`.
 * Paths are relative to the mount point (or to `basePath` when mounted at the root); a request
 * for any other path goes on to the next middleware with its body unread. A body that
 * `express.json()` already parsed is used as is.
 */
export function monitoringRouter(monitor: Monitor, options: MonitoringHandlerOptions = {}): RequestHandler {
  const handler = nodeHandlerOf(createMonitoringRoutes(monitor, options, 'monitoringRouter options'), (error) => monitor.reportError(error));
  return (req, res, next) => handler(req, res, next);
}
