import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Monitor } from '../monitor.js';
import type { RequestMetrics, RouteSeries } from './request-metrics.js';

/** Published by node:http (Node >= 18.7) when a server response has finished, before its 'finish' listeners run. */
const RESPONSE_FINISH = 'http.server.response.finish';

/** What {@link NodeRequestTracker} reads of a node:http response (on its listener path). */
export interface TrackedResponse {
  on(event: 'close', listener: () => void): unknown;
  readonly writableFinished: boolean;
  readonly statusCode: number;
}

/** What {@link NodeRequestTracker} reads of a node:http request. */
export interface NodeRequest {
  readonly socket?: object | null;
}

/** A socket or server seen as the fields this tracker keeps on it. */
type Fields = { [key: symbol]: unknown; readonly server?: unknown; on?: unknown };

interface FinishMessage {
  request?: unknown;
  response?: { readonly statusCode?: unknown } | null;
  socket?: unknown;
  server?: unknown;
}

/** A request being served: when it started, and its method as the caller read it at the start. */
interface Open {
  req: object;
  start: number;
  method: string;
}

/**
 * The requests of one connection whose responses have not finished. HTTP/1.1 serves one at a
 * time unless the client pipelines, so the current one lives in fixed fields (nothing is
 * allocated per request) and only pipelined ones take an object each in `more`.
 */
interface Connection {
  req: object | undefined;
  start: number;
  method: string;
  more: Open[] | undefined;
  /** The channel delivers this connection's requests (it did for its server): no listener needed. */
  viaChannel: boolean;
  readonly server: Fields | undefined;
}

/**
 * Tracks node:http requests for {@link RequestMetrics} with nothing allocated, and nothing
 * written on the request, per request. Its start is kept with its connection (the socket, which
 * outlives its requests under keep-alive), and its response is recorded from node's
 * `http.server.response.finish` diagnostics channel: one subscriber for every request of the
 * process, instead of a closure and a listener for each. What that channel cannot see, a
 * connection that closed before its response finished, is caught by one 'close' listener per
 * connection, which records the requests still open on it as status 0: the status-0 and
 * in-flight accounting of a per-response 'close' listener, at a fraction of its cost (writing
 * one property on an Express request costs more than the rest of the tracking; see
 * docs/architecture.md).
 *
 * The channel is trusted per server (and per connection) once it has delivered one of its
 * requests. Until then, and for requests with no socket or of servers that publish nothing
 * (HTTP/2's compatibility API, other runtimes' node:http), a request is tracked with
 * 'close' listener of its own (see {@link listen}) and remembered in a WeakSet (a probe).
 * @internal Shared by the Express middleware and node:http's httpMetrics.
 */
export class NodeRequestTracker<Req extends NodeRequest> {
  // Symbols of this tracker: two monitors on one server keep apart, and nothing of ours shows in `Object.keys()`.
  private readonly connectionKey = Symbol('pulsewatch.connection');
  private readonly verifiedKey = Symbol('pulsewatch.channel');
  /** Requests tracked with a listener while the channel is unproven for their server. */
  private readonly probes = new WeakSet<object>();
  private subscribed = false;
  private disposed = false;
  private readonly onFinish = (message: unknown): void => this.finished(message as FinishMessage);
  private readonly onSocketClose: (this: Fields) => void;

  constructor(
    private readonly metrics: RequestMetrics,
    private readonly label: (req: Req) => RouteSeries,
    monitor: Monitor,
  ) {
    const tracker = this;
    // One function for every connection: EventEmitter calls it with the socket as `this`.
    this.onSocketClose = function (this: Fields): void {
      tracker.socketClosed(this);
    };
    monitor.onClose(() => this.dispose());
  }

  /** Starts tracking `req`; its metrics are recorded when its response finishes or its connection closes. Never throws. */
  track(req: Req, res: TrackedResponse, method: string): void {
    const socket = req.socket as Fields | null | undefined;
    let connection = socket?.[this.connectionKey] as Connection | undefined;
    // Not subscribed with a connection kept: the monitor has closed, and connect() says so.
    if (connection === undefined || !this.subscribed) connection = this.connect(socket);
    if (connection === undefined) {
      this.listen(req, res, method);
      return;
    }
    if (!connection.viaChannel && !this.channelServes(connection)) {
      // Unproven for this server: a listener records the request, and the channel, if it
      // delivers it, marks the server and the connection. Probes are kept weakly, so a runtime
      // whose channel never delivers holds nothing per request.
      if (this.probes.has(req)) return;
      this.probes.add(req);
      this.listen(req, res, method);
      return;
    }
    // Mounted twice (or wrapped twice): the request is counted once.
    if (connection.req === req || (connection.more !== undefined && connection.more.some((o) => o.req === req))) return;
    this.open(connection, req, this.metrics.start(), method);
  }

  /**
   * Tracks a request with a listener on its response, for when the channel is unproven or off:
   * node:http emits 'close' after every response (right after 'finish' when it was sent) or
   * alone when the connection went away first, so one listener covers both; the status is then
   * the one sent, or 0. Never throws into the caller or the response.
   */
  private listen(req: Req, res: TrackedResponse, method: string): void {
    const metrics = this.metrics;
    const start = metrics.start();
    let done = false;
    res.on('close', () => {
      // node:http emits 'close' once; the flag keeps a stray second emit from counting twice.
      if (done) return;
      done = true;
      try {
        metrics.record(start, method, this.label(req), res.writableFinished ? res.statusCode : 0);
      } catch {
        // Only a `strict` monitor (or a throwing label) gets here; a request never fails for its metrics.
      }
    });
  }

  /** Keeps `req` among its connection's open requests: in the connection's own fields, or in `more` when they are taken. */
  private open(connection: Connection, req: object, start: number, method: string): void {
    if (connection.req === undefined) {
      connection.req = req;
      connection.start = start;
      connection.method = method;
    } else (connection.more ??= []).push({ req, start, method });
  }

  /** Starts keeping the open requests of a connection; undefined when the channel is off or `socket` is not an EventEmitter. */
  private connect(socket: Fields | null | undefined): Connection | undefined {
    if (!this.subscribed && !this.subscribe()) return undefined;
    if (socket === null || typeof socket !== 'object' || typeof socket.on !== 'function') return undefined;
    const server = socket.server;
    const connection: Connection = { req: undefined, start: 0, method: '', more: undefined, viaChannel: false, server: server !== null && typeof server === 'object' ? (server as Fields) : undefined };
    socket[this.connectionKey] = connection;
    (socket.on as (event: string, listener: () => void) => unknown).call(socket, 'close', this.onSocketClose);
    return connection;
  }

  /** Whether the channel has delivered a request of this connection's server (and remembers it on the connection). */
  private channelServes(connection: Connection): boolean {
    if (!this.subscribed) return false;
    connection.viaChannel = connection.server?.[this.verifiedKey] === true;
    return connection.viaChannel;
  }

  private finished(message: FinishMessage): void {
    // Called inside node:http's own 'finish' handling, for every server of the process: an
    // exception here would surface as an uncaught one, so nothing leaves this method.
    try {
      const socket = message.socket as Fields | null | undefined;
      const connection = socket?.[this.connectionKey] as Connection | undefined;
      const req = message.request;
      let start: number;
      let method: string;
      // `req` is checked too: anyone may publish on the channel, and an idle connection's `req` is undefined.
      if (connection !== undefined && req !== undefined && connection.req === req) {
        start = connection.start;
        method = connection.method;
        connection.req = undefined;
      } else {
        const i = connection?.more?.findIndex((o) => o.req === req) ?? -1;
        if (i < 0) {
          if (req !== null && typeof req === 'object' && this.probes.delete(req)) this.proven(message, connection);
          return;
        }
        ({ start, method } = connection!.more!.splice(i, 1)[0]!);
      }
      const status = message.response?.statusCode;
      this.metrics.record(start, method, this.label(req as Req), typeof status === 'number' ? status : 0);
    } catch {
      // Only a `strict` monitor (or a throwing label) gets here; a request never fails for its metrics.
    }
  }

  /** A probe came through the channel: its listener records it; its server and connection need no more probes. */
  private proven(message: FinishMessage, connection: Connection | undefined): void {
    const server = message.server as Fields | null | undefined;
    if (server !== null && typeof server === 'object') server[this.verifiedKey] = true;
    // Also when the socket does not name its server (a TLS socket, say): this connection is proven.
    if (connection !== undefined) connection.viaChannel = true;
  }

  /** Records every request still open on a closed connection as status 0. */
  private socketClosed(socket: Fields): void {
    const connection = socket[this.connectionKey] as Connection | undefined;
    if (connection === undefined) return;
    socket[this.connectionKey] = undefined;
    if (connection.req !== undefined) this.abandoned(connection);
    for (const open of connection.more ?? []) this.abandoned(open);
  }

  private abandoned(open: Open | Connection): void {
    // After the monitor closed, nothing is recorded.
    if (this.disposed) return;
    try {
      this.metrics.record(open.start, open.method, this.label(open.req as Req), 0);
    } catch {
      // As in finished(): never into node's event handling.
    }
  }

  /** Subscribes to the channel unless the monitor has closed; returns whether it is subscribed. */
  private subscribe(): boolean {
    if (this.disposed) return false;
    subscribe(RESPONSE_FINISH, this.onFinish);
    this.subscribed = true;
    return true;
  }

  /** Stops listening to the channel (the monitor closed); later requests are tracked with a listener each. */
  private dispose(): void {
    this.disposed = true;
    if (!this.subscribed) return;
    this.subscribed = false;
    unsubscribe(RESPONSE_FINISH, this.onFinish);
  }
}
