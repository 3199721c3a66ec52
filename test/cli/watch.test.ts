import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, spawnCli, waitForOutput } from './helpers/run-cli.js';
import { startPulsewatchServer, type PulsewatchServer } from './helpers/server.js';

let server: PulsewatchServer;

beforeAll(async () => {
  server = await startPulsewatchServer();
});

afterAll(async () => {
  await server?.close();
});

describe('pulsewatch check --watch', { timeout: CHILD_TIMEOUT }, () => {
  it('prints the first check in full, then only what changes, and exits 0 on SIGINT', async () => {
    const child = spawnCli(['check', server.url, '--watch', '--interval', '1s', '--label', 'route=/pass', '--fail', 'p95 < 500ms', '--warn', 'p99 < 1s']);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));

    await waitForOutput(child.stdout!, /ok: 2 of 2 ok \(exit 0\)\n/, 'the first check', exited);
    expect(stdout).toMatch(/^ok\s+p95 http_request_duration_seconds\{route="\/pass"\}\s+80 ms\s+< 500 ms/m);

    // The service slows down: two thirds of its requests now take 2 s.
    server.record('/pass', { latencies: [[2, 2000]], requests: {} });
    const changed = await waitForOutput(child.stdout!, /overall: ok -> failing \(exit 2\)\n/, 'the change to failing', exited);
    expect(changed).toMatch(/p95 http_request_duration_seconds\{route="\/pass"\}: ok -> FAIL \(2 s, < 500 ms\)/);
    expect(changed).toMatch(/p99 http_request_duration_seconds\{route="\/pass"\}: ok -> WARN \(2 s, < 1 s\)/);
    // Only the changes: the table header was printed once, with the first check.
    expect(stdout.match(/^STATUS/gm)).toHaveLength(1);

    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr).toBe('pulsewatch check: stopped\n');
  });

  it('--json prints each reported check as one JSON line, and SIGINT still exits 0', async () => {
    const child = spawnCli(['check', server.url, '--watch', '--json', '--interval', '1s', '--label', 'route=/warn', '--warn', 'throughput > 500']);
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const first = await waitForOutput(child.stdout!, /\n/, 'a JSON line', exited);
    expect(JSON.parse(first)).toMatchObject({ status: 'warning', exitCode: 1, budgets: [{ stat: 'rate', value: 101, status: 'warn' }] });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
