import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { parseOptions } from '../../core/options.js';
import type { Monitor } from '../../monitor.js';
import { createNodeMonitoringHandler } from '../node-handler.js';
import { monitoringHandlerOptionsSchema } from '../http/options.js';

/** Seed 001's dedicated metrics port, also OpenTelemetry's Prometheus exporter default. */
export const DEFAULT_METRICS_PORT = 9464;

/** Options of {@link serveMetrics}. */
export const serveMetricsOptionsSchema = z
  .object({
    /** Port to listen on (default 9464; 0 picks a free one, see `MetricsServer.port`). */
    port: z.number().int().min(0).max(65_535).default(DEFAULT_METRICS_PORT),
    /**
     * Address to listen on (default: every interface, as Prometheus scrapes from another host;
     * `'127.0.0.1'` keeps it on the machine).
     */
    host: z.string().min(1).optional(),
    /** A bearer token or a function, as the monitoring handler's `auth` (default none: both routes open). */
    auth: monitoringHandlerOptionsSchema.shape.auth,
    /** Routes left open when `auth` is set, as the monitoring handler's `publicRoutes`. */
    publicRoutes: monitoringHandlerOptionsSchema.shape.publicRoutes,
  })
  .strict();

/** Options accepted by {@link serveMetrics}. */
export type ServeMetricsOptions = z.input<typeof serveMetricsOptionsSchema>;

/** A running metrics server. */
export interface MetricsServer {
  /** The port it listens on (the one picked when `port` was 0). */
  readonly port: number;
  /** `http://<host>:<port>`, with 127.0.0.1 for a server on every interface. */
  readonly url: string;
  /** The node:http server, for its timeouts or events. */
  readonly server: Server;
  /** Stops listening and ends open connections (a scraper's keep-alive one too). */
  close(): Promise<void>;
}

/** Paths served: the scrape, and the health report (all checks, one check, or a group by query). */
function served(path: string): boolean {
  return path === '/metrics' || path === '/health' || /^\/health\/[^/]+$/.test(path);
}

/**
 * The scrape port answers Prometheus text unless the client names another format: the
 * monitoring handler gives JSON to a bare request (its API's default), which here would
 * surprise `curl host:9464/metrics`.
 */
function preferText(req: IncomingMessage, path: string): void {
  if (path !== '/metrics' || /[?&]format=/.test(req.url ?? '')) return;
  if (!/application\/json|application\/openmetrics-text|text\/plain/i.test(req.headers.accept ?? '')) req.headers.accept = 'text/plain; version=0.0.4';
}

/**
 * Serves `GET /metrics` (Prometheus text; OpenMetrics or JSON when the client asks for it) and
 * `GET /health` (the health report, 503 when unhealthy; `/health/<check>` for one check) on a
 * port of their own (default 9464), for apps that keep metrics off their public port. Nothing
 * else answers: no write route and no alert route is reachable there. Closing the monitor
 * closes the server.
 * @throws {ConfigError} naming the option when `options` is invalid; rejects when the port cannot be bound (EADDRINUSE).
 * @example const server = await serveMetrics(monitor); // scrape http://<host>:9464/metrics
 */
export async function serveMetrics(monitor: Monitor, options: ServeMetricsOptions = {}): Promise<MetricsServer> {
  const o = parseOptions(serveMetricsOptionsSchema, options, 'serveMetrics options', { values: false });
  const handler = createNodeMonitoringHandler(monitor, {
    ...(o.auth !== undefined ? { auth: o.auth } : {}),
    publicRoutes: o.publicRoutes,
  });
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if ((req.method === 'GET' || req.method === 'HEAD') && served(path)) {
      preferText(req, path);
      handler(req, res);
      return;
    }
    res.statusCode = served(path) ? 405 : 404;
    if (res.statusCode === 405) res.setHeader('allow', 'GET, HEAD');
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(res.statusCode === 405 ? 'method not allowed\n' : 'not found: this port serves /metrics and /health\n');
  };
  const server = createServer(listener);
  // A scrape is small and quick: a client that holds a request open is cut off.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => monitor.reportError(error));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? (address.address === '::' ? '127.0.0.1' : `[${address.address}]`) : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      unhook();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  const unhook = monitor.onClose(close);
  return { port: address.port, url: `http://${host}:${address.port}`, server, close };
}
