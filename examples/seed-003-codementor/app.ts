// The CodeMentor platform's API with seed 003's Express-style middleware: every response
// records `response_time` (ms, tagged endpoint, method, statusCode); `tick()` records the
// minute's share of 4xx/5xx answers as `error_rate` (percent); creating a project records the
// business metric `project_created`. The monitoring service's REST API is mounted at
// /api/monitoring (createNodeMonitoringHandler), behind a bearer token.
//
// The run is simulated (see sim.ts): a request's work does not take real time, it is drawn
// (`workMs`) and recorded as its response time, where the seed's middleware measures
// `Date.now() - startTime`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Monitor } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';

/** The running app. */
export interface App {
  base: string;
  /** Records the last minute's error rate (call once a simulated minute). */
  tick(): void;
  close(): Promise<void>;
}

/** Starts the app on 127.0.0.1:`port`; `workMs()` draws a request's work time. */
export async function startApp(monitor: Monitor, token: string, port: number, workMs: () => number): Promise<App> {
  const monitoring = createNodeMonitoringHandler(monitor, { basePath: '/api/monitoring', auth: token });
  let answered = 0;
  let failed = 0;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/monitoring/')) return void monitoring(req, res);
    const work = workMs();
    res.on('finish', () => {
      answered++;
      if (res.statusCode >= 400) failed++;
      const endpoint = new URL(req.url ?? '/', 'http://app').pathname.replace(/\/\d+$/, '/:id');
      monitor.recordMetric({ metricType: 'response_time', value: work, unit: 'ms', tags: { endpoint, method: req.method ?? 'GET', statusCode: String(res.statusCode) } });
    });
    route(req, res, monitor);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tick: () => {
      if (answered > 0) monitor.recordMetric({ metricType: 'error_rate', value: (100 * failed) / answered, unit: 'percent' });
      answered = failed = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let served = 0;

function route(req: IncomingMessage, res: ServerResponse, monitor: Monitor): void {
  const path = new URL(req.url ?? '/', 'http://app').pathname;
  if (req.method === 'POST' && path === '/api/projects') {
    monitor.recordMetric({ metricType: 'project_created', value: 1, unit: 'count', tags: { projectType: 'web_app' } });
    return send(res, 201, { created: true });
  }
  if (req.method === 'GET' && /^\/api\/(projects|reviews|sessions)(\/\d+)?$/.test(path)) {
    // One read in 80 fails: an error rate of about 1.2 %, the seed's report figure.
    if (++served % 80 === 0) return send(res, 500, { error: 'upstream failed' });
    return send(res, 200, { ok: true });
  }
  send(res, 404, { error: 'not found' });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
