import { createMonitoringRoute } from 'pulsewatch/next';
import { monitor } from '@/lib/monitor';

// The monitoring API under /api/monitoring: health, metrics (JSON, Prometheus, OpenMetrics),
// alert rules and alerts, all answered by one handler.
//
// With MONITORING_TOKEN set, every route but health needs `Authorization: Bearer <token>`
// (health stays open for load balancers and uptime checks). Without it, reads are open and
// writes (POST /metrics, rule changes, acknowledging alerts) are refused with 403.
export const { GET, POST, PUT, DELETE } = createMonitoringRoute(monitor, {
  auth: process.env.MONITORING_TOKEN || undefined,
  publicRoutes: ['liveness', 'health'],
});
