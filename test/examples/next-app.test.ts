import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';

// Builds examples/next-app with the repository's own `next` (the example resolves 'pulsewatch'
// and 'pulsewatch/next' to this checkout's src/ through its tsconfig paths), starts it with
// `next start`, and talks to it over HTTP as a user's monitoring stack would.

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = fileURLToPath(new URL('../../examples/next-app/', import.meta.url));
const nextBin = `${root}node_modules/.bin/next`;
const token = `test-${randomUUID()}`;
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', MONITORING_TOKEN: token, NODE_ENV: 'production' };

let building: ChildProcess | undefined;
let server: ChildProcess | undefined;
let serverOutput = '';
let base = '';

/** Runs a command to completion; rejects with its output when it fails. */
function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(nextBin, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    building = child;
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`next ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}

/** Starts `next start` and resolves once it says it is ready (rejects if it exits first). */
function start(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // Its own process group, so afterAll can stop it and anything it spawned in one signal.
    const child = spawn(nextBin, ['start', '-p', String(port), '-H', '127.0.0.1'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const onData = (d: Buffer): void => {
      serverOutput += d.toString();
      if (/Ready in/.test(serverOutput)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`next start exited with ${code} before it was ready:\n${serverOutput}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      resolve(); // the group is already gone
    }
  });
}

const authorized = { authorization: `Bearer ${token}` };

async function prometheus(): Promise<string> {
  const response = await fetch(`${base}/api/monitoring/metrics?format=prometheus`, { headers: authorized });
  expect(response.status).toBe(200);
  return response.text();
}

describe('examples/next-app (next build, then next start)', () => {
  beforeAll(async () => {
    // `npm test` builds the example in a step of its own before vitest (so the build's two busy
    // cores do not slow timing-sensitive suites) and says so; run alone, this suite builds it.
    if (process.env['PULSEWATCH_NEXT_APP_BUILT'] !== '1') {
      const started = performance.now();
      await run(['build', '--webpack']);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      // Shown in the test output: the build is most of this suite's time.
      console.info(`examples/next-app: next build took ${seconds} s`);
    }
    // Built here or before the suite: either way the build holds both routes.
    for (const route of ['api/monitoring/[...path]', 'api/users/[id]']) {
      expect(existsSync(`${app}.next/server/app/${route}/route.js`), `the build has ${route}`).toBe(true);
    }
    const port = await freePort();
    server = await start(port);
    base = `http://127.0.0.1:${port}`;
  }, 240_000);

  afterAll(async () => {
    // A build cut off by the hook timeout is stopped too, not left running after the suite.
    await Promise.all([building, server].filter((c) => c !== undefined).map(stop));
  }, 20_000);

  it('answers GET /api/monitoring/health with 200 and the health report, without a token', async () => {
    const response = await fetch(`${base}/api/monitoring/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.status).toBe('healthy');
    expect(body.checks['app']?.status).toBe('healthy');
  });

  it('records the wrapped route under its template: one series for every user id', async () => {
    for (const id of ['42', '42', '43']) {
      const response = await fetch(`${base}/api/users/${id}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ id, name: `user-${id}` });
    }
    expect((await fetch(`${base}/api/users/not-a-number`)).status).toBe(400);
    const text = await prometheus();
    expect(text).toContain('http_requests_total{method="GET",route="/api/users/[id]",status="200"} 3');
    expect(text).toContain('http_requests_total{method="GET",route="/api/users/[id]",status="400"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/api/users/[id]",status="200"} 3');
    expect(text).toMatch(/^http_requests_in_flight 0$/m);
    expect(text).not.toContain('/api/users/42');
  });

  it('needs the token for metrics once MONITORING_TOKEN is set', async () => {
    const response = await fetch(`${base}/api/monitoring/metrics?format=prometheus`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses POST /api/monitoring/metrics without the token and accepts it with the token', async () => {
    const body = JSON.stringify({ metricType: 'checkout_ms', value: 120, unit: 'ms' });
    const headers = { 'content-type': 'application/json' };
    const refused = await fetch(`${base}/api/monitoring/metrics`, { method: 'POST', headers, body });
    expect([401, 403]).toContain(refused.status);
    const wrong = await fetch(`${base}/api/monitoring/metrics`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong' }, body });
    expect([401, 403]).toContain(wrong.status);
    const accepted = await fetch(`${base}/api/monitoring/metrics`, { method: 'POST', headers: { ...headers, ...authorized }, body });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ accepted: 1 });
    expect(await prometheus()).toMatch(/^checkout_ms_count 1$/m);
  });

  it('answers 404 for a path under /api/monitoring that no monitoring route has', async () => {
    const response = await fetch(`${base}/api/monitoring/nope`, { headers: authorized });
    expect(response.status).toBe(404);
  });
});
