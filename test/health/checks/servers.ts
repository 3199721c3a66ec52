import { createServer, Socket } from 'node:net';

/** True if something accepts TCP connections on 127.0.0.1:`port` within a second. */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** A port nothing listens on: bound, read, then released. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * Whether to skip a suite that needs a real server: only when it is unreachable and not on CI,
 * and then loudly, so a green local run never hides that the suite did not run.
 */
export async function skipWithoutServer(name: string, port: number): Promise<boolean> {
  if (await reachable(port)) return false;
  if (process.env.CI === 'true') return false; // On CI the suite runs and fails: the server must be there.
  console.warn(`\n!!! ${name} is not reachable at 127.0.0.1:${port}: SKIPPING its health-check tests. Start it to run them. !!!\n`);
  return true;
}
