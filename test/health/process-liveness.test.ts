import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/hanging-check.ts', import.meta.url));

describe('health timers on the system clock', () => {
  // A liveness check, not a timing assertion: the limit only turns a hang into a failure.
  it('hold the process until an awaited answer arrives, then let it exit', async () => {
    const result = await new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let killed = false;
      const limit = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, 15_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(limit);
        resolve({ code, killed, stdout, stderr });
      });
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('unhealthy timed out after 200 ms\n');
    expect(result.code).toBe(0);
    expect(result.killed).toBe(false);
  });
});
