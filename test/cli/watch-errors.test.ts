/**
 * `pulsewatch check --watch` says why a check could not run, as a single check does (on
 * stderr): the first check against an unreachable source printed "the check could not run"
 * and nothing else, so the reason was never shown.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, spawnCli, waitForOutput } from './helpers/run-cli.js';

/** A loopback URL nothing listens on (a port taken and freed again). */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/api/monitoring`;
}

describe('pulsewatch check --watch against an unreachable source', { timeout: CHILD_TIMEOUT }, () => {
  it.each([
    ['the table', [], /unknown: the check could not run \(exit 3\)\n/],
    ['--json', ['--json'], /"ERR_PULSEWATCH_CLI_UNREACHABLE".*\n/],
  ])('%s: prints why the first check could not run on stderr, and SIGINT still exits 0', async (_, extra, first) => {
    const url = await closedUrl();
    const child = spawnCli(['check', url, '--watch', '--interval', '1s', '--fail', 'p95 < 500ms', ...extra]);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    await waitForOutput(child.stdout!, first, 'the first check', exited);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // The same line a single check prints, once, then the stop.
    expect(stderr).toMatch(/^pulsewatch check: cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/monitoring\/metrics\/aggregate: ECONNREFUSED\n/);
    expect(stderr.match(/cannot reach/g)).toHaveLength(1);
    expect(stderr).toMatch(/pulsewatch check: stopped\n$/);
  });
});
