import net from 'node:net';

/**
 * A TCP proxy between a client and PostgreSQL that a test can cut and restore: `cut()` destroys
 * every open connection and refuses new ones (the listening socket closes); `restore()` listens
 * again on the same port.
 */
export class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private portNumber = 0;
  /** Connections accepted so far. */
  accepted = 0;

  constructor(
    private readonly targetHost = '127.0.0.1',
    private readonly targetPort = 5432,
  ) {}

  /** The local port clients connect to. */
  get port(): number {
    return this.portNumber;
  }

  /** Starts listening (on a free port the first time, the same port afterwards). */
  async start(): Promise<void> {
    const server = net.createServer((client) => {
      this.accepted++;
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber, '127.0.0.1', () => resolve());
    });
    this.portNumber = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Destroys every connection and stops accepting: new connections are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (this.server === undefined) await this.start();
  }

  /** Cuts and stops for good. */
  async stop(): Promise<void> {
    await this.cut();
  }
}
