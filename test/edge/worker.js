// A worker as users write one: the monitor is created at module scope, once per isolate, and
// used in the fetch handler. It imports 'pulsewatch', which the tests resolve to the built
// dist/index.js (see bundle.ts). GET /?value=N records one response time and answers what the
// monitor reads back: the aggregate of the metric and the Prometheus exposition. Paths under
// /api/monitoring go to the monitoring HTTP API, also created at module scope.
import { createMonitor, createMonitoringHandler } from 'pulsewatch';

const monitor = createMonitor({ service: 'edge-worker' });
const requests = monitor.counter({ name: 'worker_requests_total', help: 'Requests served by the worker.' });
monitor.health.register('worker', () => true);
const monitoring = createMonitoringHandler(monitor, { basePath: '/api/monitoring', auth: 'edge-token' });

export default {
  async fetch(request) {
    if (new URL(request.url).pathname.startsWith('/api/monitoring/')) return monitoring(request);
    const value = Number(new URL(request.url).searchParams.get('value') ?? '100');
    requests.inc();
    monitor.recordMetric({ metricType: 'response_time', value, unit: 'ms', tags: { endpoint: '/edge' } });
    const aggregate = await monitor.getAggregatedMetrics({ name: 'response_time', window: '5m' });
    const prometheus = monitor.exportPrometheusMetrics();
    return Response.json({ aggregate, prometheus });
  },
};
