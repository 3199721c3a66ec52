import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a Redis that a test can cut (every socket destroyed, new ones
 * refused) and restore, to fail the network for real without touching the shared server.
 */
export class RedisProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  private stalled = false;
  /** Connections accepted (and forwarded) so far. */
  connections = 0;

  private constructor(
    private readonly upstreamPort: number,
    private readonly upstreamHost: string,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Starts a proxy on a free local port. */
  static async start(upstreamPort = 6379, upstreamHost = '127.0.0.1'): Promise<RedisProxy> {
    const proxy = new RedisProxy(upstreamPort, upstreamHost);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port clients connect to. */
  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy is not listening');
    return address.port;
  }

  /** Destroys every open connection and refuses new ones until {@link restore}. */
  cut(): void {
    this.cutOff = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Forwards new connections again (and data again, after {@link stall}). */
  restore(): void {
    this.cutOff = false;
    this.stalled = false;
  }

  /** Keeps every connection open but stops forwarding data: a network that went silent. */
  stall(): void {
    this.stalled = true;
  }

  /** Cuts everything and stops listening. */
  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.cutOff) {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = createConnection(this.upstreamPort, this.upstreamHost);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.on('data', (chunk: Buffer) => {
        if (!this.stalled) b.write(chunk);
      });
    }
  }
}
