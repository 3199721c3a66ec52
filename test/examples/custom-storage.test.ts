import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonFileStorage } from '../../examples/custom-storage/json-file-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { describeStorageAdapter } from '../../src/testing/storage-conformance.js';

// The example imports 'pulsewatch' as a user would; vitest.config.ts maps it to this checkout's source.

const root = fileURLToPath(new URL('../..', import.meta.url));

describeStorageAdapter(
  'JsonFileStorage (examples/custom-storage)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulsewatch-json-storage-'));
    const clock = new ManualClock();
    const storage = new JsonFileStorage({ path: join(dir, 'nested', 'store.json'), now: () => clock.now() });
    return { storage, now: () => clock.now(), advance: (ms) => clock.advance(ms), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  { describe, it, expect, beforeEach, afterEach },
);

describe('examples/custom-storage', () => {
  it('keeps its data in the file across instances', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulsewatch-json-storage-'));
    try {
      const path = join(dir, 'store.json');
      const first = new JsonFileStorage({ path });
      await first.saveRule({ id: 'r', name: 'rule', createdAt: 1, updatedAt: 1 });
      await first.close();
      const second = new JsonFileStorage({ path });
      expect(await second.listRules()).toEqual([{ id: 'r', name: 'rule', createdAt: 1, updatedAt: 1 }]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('run.ts records, flushes, queries and fires an alert through the adapter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulsewatch-custom-storage-run-'));
    try {
      const path = join(dir, 'store.json');
      const { code, stdout, stderr } = await runExample(['examples/custom-storage/run.ts', path]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toContain('alert firing: Slow checkout');
      expect(stdout).toContain('rollup orders_total {"status":"failed"} sum=4');
      expect(stdout).toContain('rollup orders_total {"status":"ok"} sum=16');
      expect(stdout).toContain('rollup checkout_duration_seconds count=20 min=0.05 max=0.24 hdr=yes');
      expect(stdout).toContain('rules stored: Slow checkout');
      expect(stdout).toContain('alerts stored: Slow checkout (critical,');
      const stored = JSON.parse(await readFile(path, 'utf8')) as { rules: object; alerts: object };
      expect(Object.keys(stored.rules)).toHaveLength(1);
      expect(Object.keys(stored.alerts)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

function runExample(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
