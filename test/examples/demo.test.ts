import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs the README's demo (`npm run demo`) with a short burst of traffic. */
function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/server.ts'], {
      env: { ...process.env, DEMO_TRAFFIC_MS: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the main demo (npm run demo)', () => {
  it('serves traffic, fires its alert rules, answers health, prints the exposition and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/\d+ requests sent/);
    expect(stdout).toContain('firing: Slow reports [warning]');
    expect(stdout).toMatch(/GET \/api\/monitoring\/health -> 200; health: (healthy|degraded)/);
    expect(stdout).toMatch(/breaker "inventory": closed/);
    expect(stdout).toContain('# TYPE http_request_duration_seconds histogram');
    expect(stdout).toContain('demo finished: monitor closed');
    expect(stderr).not.toMatch(/\[pulsewatch\]/); // no error event
  }, 60_000);
});
